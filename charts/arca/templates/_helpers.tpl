{{/*
Names. The default name is "vault", not the chart's name, so that a release called
"vault" is named exactly like hashicorp/vault-helm's (vault-0, vault-internal, ...) and
selectors on app.kubernetes.io/name=vault keep working.
*/}}
{{- define "arca.name" -}}
{{- default "vault" .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: the release name when it contains the name, else "<release>-<name>". */}}
{{- define "arca.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "arca.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "arca.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "arca.namespace" -}}
{{- default .Release.Namespace .Values.global.namespace -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "arca.labels" -}}
helm.sh/chart: {{ include "arca.chart" . }}
app.kubernetes.io/name: {{ include "arca.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Labels that select the server pods. */}}
{{- define "arca.selectorLabels" -}}
app.kubernetes.io/name: {{ include "arca.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
component: server
{{- end -}}

{{/* Service selectors: like the pod selector, the instance label being optional. */}}
{{- define "arca.serviceSelector" -}}
app.kubernetes.io/name: {{ include "arca.name" . }}
{{- if .Values.server.service.instanceSelector.enabled }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
component: server
{{- end -}}

{{/*
The mode, one of: external, dev, ha, standalone, or "" (nothing to run).
Also refuses settings that would render something that cannot work.
*/}}
{{- define "arca.mode" -}}
{{- if eq (toString .Values.injector.enabled) "true" -}}
{{- fail "injector.enabled: the agent injector is not part of this chart yet (it arrives with the add-ons issue)" -}}
{{- end -}}
{{- if eq (toString .Values.csi.enabled) "true" -}}
{{- fail "csi.enabled: the CSI provider is not part of this chart yet (it arrives with the add-ons issue)" -}}
{{- end -}}
{{- $serverEnabled := or (eq (toString .Values.server.enabled) "true") (and (eq (toString .Values.server.enabled) "-") (eq (toString .Values.global.enabled) "true")) -}}
{{- if .Values.global.externalVaultAddr -}}
external
{{- else if not $serverEnabled -}}
{{- if eq (toString .Values.global.enabled) "true" -}}external{{- end -}}
{{- else if .Values.server.dev.enabled -}}
dev
{{- else if .Values.server.ha.enabled -}}
{{- if not .Values.server.ha.raft.enabled -}}
{{- fail "server.ha.raft.enabled=false: Arca's only storage is integrated raft storage; HA mode needs server.ha.raft.enabled=true" -}}
{{- end -}}
ha
{{- else if or (eq (toString .Values.server.standalone.enabled) "true") (eq (toString .Values.server.standalone.enabled) "-") -}}
standalone
{{- end -}}
{{- end -}}

{{/* Whether a server runs here: "true" or "". */}}
{{- define "arca.serverRuns" -}}
{{- $mode := include "arca.mode" . -}}
{{- if or (eq $mode "dev") (eq $mode "standalone") (eq $mode "ha") -}}true{{- end -}}
{{- end -}}

{{- define "arca.replicas" -}}
{{- if eq (include "arca.mode" .) "ha" -}}
{{- int .Values.server.ha.replicas -}}
{{- else -}}
1
{{- end -}}
{{- end -}}

{{- define "arca.scheme" -}}
{{- if .Values.global.tlsDisable -}}http{{- else -}}https{{- end -}}
{{- end -}}

{{/* The port name of 8200 on services and the container. */}}
{{- define "arca.portName" -}}
{{- if .Values.global.tlsDisable -}}http{{- else -}}https{{- end -}}
{{- end -}}

{{- define "arca.serviceAccountName" -}}
{{- default (include "arca.fullname" .) .Values.server.serviceAccount.name -}}
{{- end -}}

{{/*
floor((n - 1) / 2) for n raft voters: the most that may be down while a quorum stays up.
*/}}
{{- define "arca.pdb.maxUnavailable" -}}
{{- if not (kindIs "invalid" .Values.server.ha.disruptionBudget.maxUnavailable) -}}
{{- .Values.server.ha.disruptionBudget.maxUnavailable -}}
{{- else -}}
{{- div (sub (int .Values.server.ha.replicas) 1) 2 -}}
{{- end -}}
{{- end -}}

{{/*
One retry_join block per replica, through the headless service, for the default HA config.
Each node tries every address (its own included, which it skips as not a leader) until one
answers as the leader.
*/}}
{{- define "arca.raft.retryJoin" -}}
{{- $full := include "arca.fullname" . -}}
{{- $scheme := include "arca.scheme" . -}}
{{- range $i := until (int .Values.server.ha.replicas) }}
retry_join {
  leader_api_addr = "{{ $scheme }}://{{ $full }}-{{ $i }}.{{ $full }}-internal:8200"
}
{{- end }}
{{- end -}}

{{/* Listener telemetry for Prometheus, when the ServiceMonitor scrapes without a token. */}}
{{- define "arca.config.listenerTelemetry" -}}
{{- if and .Values.serverTelemetry.serviceMonitor.enabled (not .Values.serverTelemetry.serviceMonitor.authorization) }}
telemetry {
  unauthenticated_metrics_access = true
}
{{- end }}
{{- end -}}

{{/* The top-level telemetry stanza, when the ServiceMonitor is on. */}}
{{- define "arca.config.telemetry" -}}
{{- if .Values.serverTelemetry.serviceMonitor.enabled }}

telemetry {
  prometheus_retention_time = "30s"
  disable_hostname = true
}
{{- end }}
{{- end -}}

{{/* The server config for the current mode, rendered (tpl) and trimmed. */}}
{{- define "arca.config" -}}
{{- $mode := include "arca.mode" . -}}
{{- $config := "" -}}
{{- if eq $mode "ha" -}}
{{- $config = .Values.server.ha.raft.config -}}
{{- else if eq $mode "standalone" -}}
{{- $config = .Values.server.standalone.config -}}
{{- end -}}
{{- if kindIs "map" $config -}}
{{- toPrettyJson $config -}}
{{- else -}}
{{- /* Helpers that render nothing leave whitespace-only lines: drop those. */ -}}
{{- regexReplaceAll `(?m)^[ \t]+\n` (tpl $config .) "" | trim -}}
{{- end -}}
{{- end -}}

{{/* A value that is either YAML or a templated YAML string, indented by n. */}}
{{- define "arca.yamlOrTpl" -}}
{{- $value := index . 0 -}}
{{- $ctx := index . 1 -}}
{{- $n := index . 2 -}}
{{- if kindIs "string" $value -}}
{{- tpl $value $ctx | trim | nindent $n -}}
{{- else -}}
{{- toYaml $value | nindent $n -}}
{{- end -}}
{{- end -}}

{{/* The items of imagePullSecrets: plain names or {name: ...} maps. */}}
{{- define "arca.imagePullSecrets" -}}
{{- range .Values.global.imagePullSecrets }}
{{- if kindIs "string" . }}
- name: {{ . }}
{{- else }}
- {{ toYaml . | trim | nindent 2 | trim }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "arca.image" -}}
{{- printf "%s:%s" .Values.server.image.repository (default .Chart.AppVersion .Values.server.image.tag) -}}
{{- end -}}

{{/* One volumeClaimTemplate: (list name storageValues). */}}
{{- define "arca.volumeClaim" -}}
{{- $name := index . 0 -}}
{{- $s := index . 1 -}}
- metadata:
    name: {{ $name }}
    {{- with $s.labels }}
    labels:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with $s.annotations }}
    annotations:
      {{- toYaml . | nindent 6 }}
    {{- end }}
  spec:
    accessModes:
      - {{ $s.accessMode | default "ReadWriteOnce" }}
    resources:
      requests:
        storage: {{ $s.size }}
    {{- with $s.storageClass }}
    storageClassName: {{ . }}
    {{- end }}
{{- end -}}
