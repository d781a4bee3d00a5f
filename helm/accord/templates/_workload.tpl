{{/*
One definition of each object kind, shared by the three components; each component's
folder includes these with its own name. Called with
(dict "root" $ "component" "intake"), where the component's values live under
.Values.<component>.
*/}}

{{- define "accord.deployment" -}}
{{- $root := .root }}
{{- $c := .component }}
{{- $v := index $root.Values $c }}
{{- $k := $root.Values.kafka }}
{{- $es := $root.Values.elasticsearch }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "accord.componentName" . }}
  labels:
    {{- include "accord.componentLabels" . | nindent 4 }}
spec:
  {{- if eq $c "notifier" }}
  # One notifier only, and never two at once during a rollout: it rebuilds the dedup keys
  # it has sent at start-up, so a second live notifier could page twice.
  replicas: 1
  strategy:
    type: Recreate
  {{- else }}
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "accord.componentSelectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "accord.componentSelectorLabels" . | nindent 8 }}
      annotations:
        # Pods restart when the settings change (a Secret named by existingSecret is not
        # seen here: restart by hand after changing it).
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
        {{- if $root.Values.metrics.podAnnotations }}
        # For a Prometheus that discovers pods by annotation.
        prometheus.io/scrape: "true"
        prometheus.io/path: /metrics
        prometheus.io/port: {{ $v.port | quote }}
        {{- end }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "accord.serviceAccountName" $root }}
      # The services never call the Kubernetes API.
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      # Waitress drains requests for 10 s and the workers get 30 s to commit (shared/serve.py).
      terminationGracePeriodSeconds: 45
      containers:
        - name: {{ $c }}
          image: {{ include "accord.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: ["python", "-m", "services.{{ $c }}"]
          ports:
            - name: http
              containerPort: {{ $v.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "accord.configMapName" $root }}
          env:
            # Every service has pages with sessions and CSRF tokens: every pod of every
            # service signs them with the same key.
            - name: ACCORD_SECRET_KEY
              valueFrom:
                secretKeyRef:
                  name: {{ include "accord.secretName" $root }}
                  key: ACCORD_SECRET_KEY
            {{- if eq $c "notifier" }}
            - name: ACCORD_WEBHOOK_SECRET
              valueFrom:
                secretKeyRef:
                  name: {{ include "accord.secretName" $root }}
                  key: ACCORD_WEBHOOK_SECRET
            {{- range $key := list "ACCORD_WEBHOOK_URL" "ACCORD_SLACK_WEBHOOK_URL" "ACCORD_PAGERDUTY_ROUTING_KEY" }}
            - name: {{ $key }}
              valueFrom:
                secretKeyRef:
                  name: {{ include "accord.secretName" $root }}
                  key: {{ $key }}
                  # A channel left unset is not used; the on-call page always is.
                  optional: true
            {{- end }}
            {{- end }}
            {{- if $k.sasl.enabled }}
            - name: ACCORD_KAFKA_SASL_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ include "accord.secretName" $root }}
                  key: ACCORD_KAFKA_SASL_PASSWORD
            {{- end }}
            {{- if and (eq $c "registry") $es.username }}
            - name: ACCORD_ELASTICSEARCH_USERNAME
              value: {{ $es.username | quote }}
            - name: ACCORD_ELASTICSEARCH_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ include "accord.secretName" $root }}
                  key: ACCORD_ELASTICSEARCH_PASSWORD
            {{- end }}
            {{- if and $k.tls.enabled $k.tls.caSecret }}
            - name: ACCORD_KAFKA_SSL_CAFILE
              value: /etc/accord/kafka-ca/{{ $k.tls.caKey }}
            {{- end }}
            {{- if and (eq $c "registry") $es.caSecret }}
            - name: ACCORD_ELASTICSEARCH_CA_CERTS
              value: /etc/accord/elasticsearch-ca/{{ $es.caKey }}
            {{- end }}
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 2
            timeoutSeconds: {{ $root.Values.probes.timeoutSeconds }}
            failureThreshold: {{ $root.Values.probes.startupFailureThreshold }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: {{ $root.Values.probes.periodSeconds }}
            timeoutSeconds: {{ $root.Values.probes.timeoutSeconds }}
            failureThreshold: {{ $root.Values.probes.livenessFailureThreshold }}
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: {{ $root.Values.probes.periodSeconds }}
            timeoutSeconds: {{ $root.Values.probes.timeoutSeconds }}
            failureThreshold: {{ $root.Values.probes.readinessFailureThreshold }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: data
              mountPath: /var/lib/accord
            {{- if and $k.tls.enabled $k.tls.caSecret }}
            - name: kafka-ca
              mountPath: /etc/accord/kafka-ca
              readOnly: true
            {{- end }}
            {{- if and (eq $c "registry") $es.caSecret }}
            - name: elasticsearch-ca
              mountPath: /etc/accord/elasticsearch-ca
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $root.Values.storage.tmpSizeLimit }}
        # ACCORD_DATA_DIR, SQLite files: intake's outbox, the registry's journal of events
        # not yet published, the notifier's lease, each service's directory cache. An
        # emptyDir survives container restarts, not the pod (docs/operations.md).
        - name: data
          emptyDir:
            sizeLimit: {{ eq $c "intake" | ternary $root.Values.storage.intakeDataSizeLimit $root.Values.storage.dataSizeLimit }}
        {{- if and $k.tls.enabled $k.tls.caSecret }}
        - name: kafka-ca
          secret:
            secretName: {{ $k.tls.caSecret }}
            items:
              - key: {{ $k.tls.caKey }}
                path: {{ $k.tls.caKey }}
        {{- end }}
        {{- if and (eq $c "registry") $es.caSecret }}
        - name: elasticsearch-ca
          secret:
            secretName: {{ $es.caSecret }}
            items:
              - key: {{ $es.caKey }}
                path: {{ $es.caKey }}
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{- define "accord.service" -}}
{{- $v := index .root.Values .component }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "accord.componentName" . }}
  labels:
    {{- include "accord.componentLabels" . | nindent 4 }}
spec:
  type: {{ $v.service.type }}
  ports:
    - name: http
      port: {{ $v.service.port }}
      targetPort: http
      protocol: TCP
  selector:
    {{- include "accord.componentSelectorLabels" . | nindent 4 }}
{{- end }}

{{- define "accord.hpa" -}}
{{- $v := index .root.Values .component }}
{{- if $v.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "accord.componentName" . }}
  labels:
    {{- include "accord.componentLabels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "accord.componentName" . }}
  minReplicas: {{ $v.autoscaling.minReplicas }}
  maxReplicas: {{ $v.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $v.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end }}

{{- define "accord.pdb" -}}
{{- $v := index .root.Values .component }}
{{- if $v.pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "accord.componentName" . }}
  labels:
    {{- include "accord.componentLabels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $v.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "accord.componentSelectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{/* Egress rules for the named destinations in .Values.networkPolicy.egress. */}}
{{- define "accord.egressRules" -}}
{{- $egress := .root.Values.networkPolicy.egress }}
{{- range $name := .destinations }}
{{- $d := index $egress $name }}
- ports:
    {{- range $port := $d.ports }}
    - port: {{ $port }}
      protocol: TCP
    {{- if eq $name "dns" }}
    - port: {{ $port }}
      protocol: UDP
    {{- end }}
    {{- end }}
  {{- with $d.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{- define "accord.networkpolicy" -}}
{{- $np := .root.Values.networkPolicy }}
{{- $v := index .root.Values .component }}
{{- if $np.enabled }}
{{- $destinations := list "dns" "kafka" }}
{{- if eq .component "registry" }}{{ $destinations = append $destinations "elasticsearch" }}{{ end }}
{{- if eq .component "notifier" }}{{ $destinations = concat $destinations (list "smtp" "webhooks") }}{{ end }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "accord.componentName" . }}
  labels:
    {{- include "accord.componentLabels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "accord.componentSelectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    {{- if and (ne .component "notifier") $np.ingressFrom }}
    # The UIs and APIs, from the ingress controller.
    - from:
        {{- toYaml $np.ingressFrom | nindent 8 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- if $np.metricsFrom }}
    - from:
        {{- toYaml $np.metricsFrom | nindent 8 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- if not (or (and (ne .component "notifier") $np.ingressFrom) $np.metricsFrom) }}
    []
    {{- end }}
  egress:
    {{- include "accord.egressRules" (dict "root" .root "destinations" $destinations) | trim | nindent 4 }}
{{- end }}
{{- end }}

{{- define "accord.servicemonitor" -}}
{{- $m := .root.Values.metrics.serviceMonitor }}
{{- if $m.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "accord.componentName" . }}
  labels:
    {{- include "accord.componentLabels" . | nindent 4 }}
    {{- with $m.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "accord.componentSelectorLabels" . | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ $m.interval }}
      scrapeTimeout: {{ $m.scrapeTimeout }}
{{- end }}
{{- end }}
