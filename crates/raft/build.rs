//! Compiles `proto/cluster.proto` with the protoc shipped in `protoc-bin-vendored`,
//! so no system protoc is needed and every machine uses the same one.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_dir = "../../proto";
    println!("cargo:rerun-if-changed={proto_dir}/cluster.proto");
    let mut cfg = prost_build::Config::new();
    cfg.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    tonic_prost_build::configure().compile_with_config(
        cfg,
        &[format!("{proto_dir}/cluster.proto")],
        &[proto_dir.to_string()],
    )?;
    Ok(())
}
