{{/* Chart name, truncated to the 63 characters a label allows. */}}
{{- define "content-blocks.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full resource name: <release>-<chart>, or the release name when it already holds the chart name. */}}
{{- define "content-blocks.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "content-blocks.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "content-blocks.labels" -}}
helm.sh/chart: {{ include "content-blocks.chart" . }}
{{ include "content-blocks.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: content-blocks
{{- end }}

{{/* Selector labels of the API pods (never change them: selectors are immutable). */}}
{{- define "content-blocks.selectorLabels" -}}
app.kubernetes.io/name: {{ include "content-blocks.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "content-blocks.apiSelectorLabels" -}}
{{ include "content-blocks.selectorLabels" . }}
app.kubernetes.io/component: api
{{- end }}

{{- define "content-blocks.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "content-blocks.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "content-blocks.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret the pods read: the user's existing one, or the chart's. */}}
{{- define "content-blocks.secretName" -}}
{{- default (include "content-blocks.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* Seconds after SIGTERM: the readiness delay, then the drain, plus a margin for the exit. */}}
{{- define "content-blocks.terminationGracePeriodSeconds" -}}
{{- if .Values.terminationGracePeriodSeconds }}
{{- .Values.terminationGracePeriodSeconds | int }}
{{- else }}
{{- $ms := add (int .Values.config.shutdownDelayMs) (int .Values.config.shutdownTimeoutMs) }}
{{- add (div (add $ms 999) 1000) 5 }}
{{- end }}
{{- end }}

{{/* Environment from the Secret: DATABASE_URL and JWT_SECRET are required, the rest optional. */}}
{{- define "content-blocks.secretEnv" -}}
{{- $secret := include "content-blocks.secretName" . }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: DATABASE_URL
- name: JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: JWT_SECRET
{{- end }}

{{- define "content-blocks.optionalSecretEnv" -}}
{{- $secret := include "content-blocks.secretName" . }}
{{- range list "REDIS_URL" "METRICS_TOKEN" "HEALTH_DETAIL_TOKEN" "ADMIN_EMAIL" "ADMIN_USERNAME" "ADMIN_PASSWORD" "EMBEDDINGS_API_KEY" }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ . }}
      optional: true
{{- end }}
{{- end }}

{{/* NODE_OPTIONS of the API: V8 sizes its heap from the host, not the container, and collects
lazily; old space as a share of the memory limit (Mi or Gi) keeps the pod below it. */}}
{{- define "content-blocks.nodeOptions" -}}
{{- if .Values.heap.nodeOptions }}
{{- .Values.heap.nodeOptions }}
{{- else }}
{{- $limit := toString (dig "limits" "memory" "" .Values.resources) }}
{{- $mib := 0 }}
{{- if regexMatch "^[0-9]+Mi$" $limit }}{{ $mib = trimSuffix "Mi" $limit | int }}{{ end }}
{{- if regexMatch "^[0-9]+Gi$" $limit }}{{ $mib = mul (trimSuffix "Gi" $limit | int) 1024 }}{{ end }}
{{- if gt $mib 0 }}
{{- printf "--max-old-space-size=%d --max-semi-space-size=%d" (div (mul $mib (int .Values.heap.oldSpacePercent)) 100) (int .Values.heap.semiSpaceMiB) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The container port that serves /metrics: its own with metrics.port, else the API's. */}}
{{- define "content-blocks.metricsPortName" -}}
{{- if gt (int .Values.metrics.port) 0 }}metrics{{ else }}http{{ end }}
{{- end }}

{{/* A map of operation class to number as the app reads it: `bulk=4,export=2` (sorted keys). */}}
{{- define "content-blocks.classMap" -}}
{{- $parts := list }}
{{- range $class, $value := . }}
{{- $parts = append $parts (printf "%s=%d" $class (int64 $value)) }}
{{- end }}
{{- join "," $parts }}
{{- end }}
