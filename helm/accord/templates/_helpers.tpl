{{/*
Names. Kubernetes limits names and label values to 63 characters, so every helper
truncates (as `helm create` does) and trims a dangling "-".
*/}}
{{- define "accord.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "accord.fullname" -}}
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

{{/* "<fullname>-<suffix>" within 63 characters: the fullname is cut, never the suffix,
so a long release name cannot give two components the same name. */}}
{{- define "accord.suffixedName" -}}
{{- $base := include "accord.fullname" .root | trunc (int (sub 62 (len .suffix))) | trimSuffix "-" }}
{{- printf "%s-%s" $base .suffix }}
{{- end }}

{{- define "accord.componentName" -}}
{{- include "accord.suffixedName" (dict "root" .root "suffix" .component) }}
{{- end }}

{{- define "accord.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "accord.selectorLabels" -}}
app.kubernetes.io/name: {{ include "accord.name" . }}
app.kubernetes.io/instance: {{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "accord.labels" -}}
helm.sh/chart: {{ include "accord.chart" . }}
{{ include "accord.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: accord
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of one component's objects; the selector adds the component. */}}
{{- define "accord.componentLabels" -}}
{{ include "accord.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "accord.componentSelectorLabels" -}}
{{ include "accord.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "accord.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "accord.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "accord.configMapName" -}}
{{- include "accord.suffixedName" (dict "root" . "suffix" "config") }}
{{- end }}

{{/* The Secret the pods read: the user's existingSecret, or the chart's own. */}}
{{- define "accord.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- include "accord.suffixedName" (dict "root" . "suffix" "secrets") }}
{{- end }}
{{- end }}

{{/* The image by digest when one is given, else by its pinned tag. */}}
{{- define "accord.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end }}
{{- end }}

{{/* A public base URL: the explicit value, else the Ingress host, else the Service. */}}
{{- define "accord.publicUrl" -}}
{{- $root := .root }}
{{- $explicit := index $root.Values.config (printf "%sUrl" .component) }}
{{- $host := index $root.Values.ingress (printf "%sHost" .component) }}
{{- if $explicit }}
{{- $explicit }}
{{- else if and $root.Values.ingress.enabled $host }}
{{- $tls := false }}
{{- range $root.Values.ingress.tls }}{{ if has $host .hosts }}{{ $tls = true }}{{ end }}{{ end }}
{{- printf "%s://%s" (ternary "https" "http" $tls) $host }}
{{- else }}
{{- $svc := index $root.Values .component "service" }}
{{- printf "http://%s:%v" (include "accord.componentName" .) $svc.port }}
{{- end }}
{{- end }}

{{/* Kafka's security protocol from the SASL and TLS switches. */}}
{{- define "accord.kafkaSecurityProtocol" -}}
{{- $k := .Values.kafka }}
{{- if and $k.sasl.enabled $k.tls.enabled }}SASL_SSL
{{- else if $k.sasl.enabled }}SASL_PLAINTEXT
{{- else if $k.tls.enabled }}SSL
{{- else }}PLAINTEXT
{{- end }}
{{- end }}

{{/*
A secret value: the one given in the values, else the one the release's Secret holds
already (kept across upgrades), else a new random one. Args: (list given existing key).
*/}}
{{- define "accord.keptSecret" -}}
{{- $given := index . 0 }}
{{- $existing := index . 1 }}
{{- $key := index . 2 }}
{{- if $given }}
{{- $given }}
{{- else if and $existing $existing.data (hasKey $existing.data $key) }}
{{- index $existing.data $key | b64dec }}
{{- else }}
{{- randAlphaNum 48 }}
{{- end }}
{{- end }}
