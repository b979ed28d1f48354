{{/* ---------- names ---------- */}}

{{- define "inference.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "inference.fullname" -}}
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

{{/*
A DNS-1123 label made of the given parts joined by "-". Longer than 63 characters, it is cut and
ends with a hash of the whole, so two long names that share a prefix stay distinct.
Usage: include "inference.dnsName" (list "a" "b" "c")
*/}}
{{- define "inference.dnsName" -}}
{{- $raw := join "-" . }}
{{- $name := regexReplaceAll "[^a-z0-9-]+" (lower $raw) "-" | trimAll "-" }}
{{- if gt (len $name) 63 }}
{{- printf "%s-%s" (trunc 54 $name | trimSuffix "-") (sha256sum $raw | trunc 8) }}
{{- else }}
{{- $name }}
{{- end }}
{{- end }}

{{/* "<fullname>-<suffix>", at most 63 characters. Usage: include "inference.componentName" (list $ "router") */}}
{{- define "inference.componentName" -}}
{{- include "inference.dnsName" (list (include "inference.fullname" (index . 0)) (index . 1)) }}
{{- end }}

{{/* Deployment and headless Service name of one model version. Context: the version context. */}}
{{- define "inference.modelServer.fullname" -}}
{{- include "inference.dnsName" (list (include "inference.fullname" .root) .model (printf "v%s" .version)) }}
{{- end }}

{{- define "inference.router.fullname" -}}
{{- include "inference.componentName" (list . "router") }}
{{- end }}

{{- define "inference.router.configName" -}}
{{- include "inference.componentName" (list . "router-config") }}
{{- end }}

{{- define "inference.router.adminSecretName" -}}
{{- if .Values.router.adminToken.existingSecret }}
{{- .Values.router.adminToken.existingSecret }}
{{- else }}
{{- include "inference.componentName" (list . "router-admin-token") }}
{{- end }}
{{- end }}

{{/* Where the router's container mounts the admin token's Secret (a directory). */}}
{{- define "inference.router.adminTokenDir" -}}
/etc/inference-router-admin
{{- end }}

{{/* The admin token file the router reads (--admin-token-file). */}}
{{- define "inference.router.adminTokenFile" -}}
{{- printf "%s/%s" (include "inference.router.adminTokenDir" .) .Values.router.adminToken.existingSecretKey }}
{{- end }}

{{/* The headless Service's in-cluster address, as the router's endpoint. */}}
{{- define "inference.modelServer.endpoint" -}}
{{- printf "http://%s.%s.svc.%s:%d" (include "inference.modelServer.fullname" .) .root.Release.Namespace .root.Values.clusterDomain 8001 }}
{{- end }}

{{/* ---------- labels ---------- */}}

{{- define "inference.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "inference.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: inference
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "inference.selectorLabels" -}}
app.kubernetes.io/name: {{ include "inference.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Every model server pod of the release (NetworkPolicy, ServiceMonitor). */}}
{{- define "inference.modelServer.componentLabels" -}}
{{ include "inference.selectorLabels" . }}
app.kubernetes.io/component: model-server
{{- end }}

{{/* The pods of one model version. Context: the version context. */}}
{{- define "inference.modelServer.selectorLabels" -}}
{{ include "inference.modelServer.componentLabels" .root }}
inference/model: {{ .model | quote }}
inference/version: {{ .version | quote }}
{{- end }}

{{- define "inference.modelServer.labels" -}}
{{ include "inference.labels" .root }}
app.kubernetes.io/component: model-server
inference/model: {{ .model | quote }}
inference/version: {{ .version | quote }}
{{- end }}

{{- define "inference.router.selectorLabels" -}}
{{ include "inference.selectorLabels" . }}
app.kubernetes.io/component: router
{{- end }}

{{- define "inference.router.labels" -}}
{{ include "inference.labels" . }}
app.kubernetes.io/component: router
{{- end }}

{{/* ---------- pods ---------- */}}

{{/* registry/repository:tag@digest. Usage: include "inference.image" (list $imageValues $) */}}
{{- define "inference.image" -}}
{{- $image := index . 0 }}
{{- $root := index . 1 }}
{{- $ref := $image.repository }}
{{- with $image.registry }}
{{- $ref = printf "%s/%s" . $ref }}
{{- end }}
{{- if $image.digest }}
{{- printf "%s@%s" $ref $image.digest }}
{{- else }}
{{- printf "%s:%s" $ref (toString (default $root.Chart.AppVersion $image.tag)) }}
{{- end }}
{{- end }}

{{/* Soft spreading over the configured topology keys. Usage: include "inference.topologySpread" (list $settings $selectorLabelsYaml) */}}
{{- define "inference.topologySpread" -}}
{{- $spread := index . 0 }}
{{- $selector := index . 1 }}
{{- range $spread.topologyKeys }}
- maxSkew: {{ $spread.maxSkew | int }}
  topologyKey: {{ . }}
  whenUnsatisfiable: {{ $spread.whenUnsatisfiable }}
  labelSelector:
    matchLabels:
      {{- $selector | nindent 6 }}
{{- end }}
{{- end }}

{{/*
A Kubernetes quantity in bytes (an integer), for adding sizes up. Accepts a plain number or one
with a k/M/G/T/P or Ki/Mi/Gi/Ti/Pi suffix. Usage: include "inference.quantityBytes" "2Gi"
*/}}
{{- define "inference.quantityBytes" -}}
{{- $q := ternary (printf "%.0f" .) (toString .) (kindIs "float64" .) }}
{{- $number := regexFind "^[0-9]+([.][0-9]+)?" $q }}
{{- $suffix := trimPrefix $number $q }}
{{- $scale := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "P" 1000000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "Pi" 1125899906842624 }}
{{- if or (not $number) (not (hasKey $scale $suffix)) }}
{{- fail (printf "%q is not a size the chart can add up: use a number with an optional k, M, G, T, P, Ki, Mi, Gi, Ti or Pi suffix" $q) }}
{{- end }}
{{- mulf (float64 $number) (index $scale $suffix) | int64 }}
{{- end }}

{{/* Bytes as a quantity: in Gi or Mi when that is exact. Usage: include "inference.quantity" 1048576 */}}
{{- define "inference.quantity" -}}
{{- $bytes := . | int64 }}
{{- if eq (mod $bytes 1073741824) 0 }}{{ div $bytes 1073741824 }}Gi
{{- else if eq (mod $bytes 1048576) 0 }}{{ div $bytes 1048576 }}Mi
{{- else }}{{ $bytes }}{{ end }}
{{- end }}

{{/*
The model server container's resources: modelServer.resources with the version's on top. A version
whose model is downloaded keeps it on node disk (an emptyDir), so unless resources name
ephemeral-storage themselves it requests downloadVolumeSizeLimit (the scheduler picks a node with
room for the model) and is limited to that plus tmpSizeLimit plus 64Mi for container logs (the
kubelet counts every emptyDir and the logs against the limit). Returns JSON; use with fromJson.
Context: dict "root" "spec".
*/}}
{{- define "inference.modelServer.resources" -}}
{{- $ms := .root.Values.modelServer }}
{{- $resources := mergeOverwrite (deepCopy $ms.resources) (deepCopy (default dict .spec.resources)) }}
{{- if .spec.artifact.download }}
{{- $download := include "inference.quantityBytes" $ms.downloadVolumeSizeLimit | int64 }}
{{- $limit := add $download (include "inference.quantityBytes" $ms.tmpSizeLimit | int64) 67108864 }}
{{- $requests := default dict $resources.requests }}
{{- $limits := default dict $resources.limits }}
{{- if not (hasKey $requests "ephemeral-storage") }}
{{- $_ := set $requests "ephemeral-storage" (include "inference.quantity" $download) }}
{{- end }}
{{- if not (hasKey $limits "ephemeral-storage") }}
{{- $_ := set $limits "ephemeral-storage" (include "inference.quantity" $limit) }}
{{- end }}
{{- $_ := set $resources "requests" $requests }}
{{- $_ := set $resources "limits" $limits }}
{{- end }}
{{- toJson $resources }}
{{- end }}

{{/*
How a model server's memory limit (resources.limits.memory) is shared; see the chart README,
"Memory". The .NET heap gets memory.heapPercent of it (DOTNET_GCHeapHardLimit); a quarter of the
heap is the budget of request bytes in flight (--max-in-flight-bytes) unless memory.maxInFlightBytes
sets it; the rest of the limit is ONNX Runtime's (the model's weights, the tensors of running
requests) and the runtime's own native memory. Fails, naming the numbers, when they cannot work: a
largest request that no budget admits, a budget the heap cannot hold, a model the heap cannot read
at start, or too little left outside the heap. Returns JSON (bytes): limit, heap, budget,
maxMessage. Context: dict "root" "model" "version" "spec".
*/}}
{{- define "inference.modelServer.memory" -}}
{{- $memory := mergeOverwrite (deepCopy .root.Values.modelServer.memory) (deepCopy (default dict .spec.memory)) }}
{{- $resources := include "inference.modelServer.resources" . | fromJson }}
{{- $what := printf "model %s version %s" .model .version }}
{{- $limitQuantity := (default dict $resources.limits).memory }}
{{- if not $limitQuantity }}
{{- fail (printf "%s: resources.limits.memory is required: the model server's heap limit and memory budget derive from it" $what) }}
{{- end }}
{{- $limit := include "inference.quantityBytes" $limitQuantity | int64 }}
{{- $heap := div (mul $limit ($memory.heapPercent | int64)) 100 }}
{{- $budget := div $heap 4 }}
{{- if not (kindIs "invalid" $memory.maxInFlightBytes) }}
{{- $budget = include "inference.quantityBytes" $memory.maxInFlightBytes | int64 }}
{{- end }}
{{- $message := include "inference.quantityBytes" $memory.maxMessageSize | int64 }}
{{- $model := include "inference.quantityBytes" $memory.modelSize | int64 }}
{{- $runtime := 104857600 }}
{{- if or (lt $message 1) (gt $message 2147483647) }}
{{- fail (printf "%s: memory.maxMessageSize (%s) must be from 1 byte to 2 GiB - 1" $what (toString $memory.maxMessageSize)) }}
{{- end }}
{{- if lt $budget $message }}
{{- fail (printf "%s: the budget of request bytes in flight (%d bytes: memory.maxInFlightBytes, or a quarter of the heap, %d%% of limits.memory %s) is below the largest request message (memory.maxMessageSize, %d bytes), which would never be admitted: raise limits.memory or memory.heapPercent, or lower memory.maxMessageSize" $what $budget ($memory.heapPercent | int) (toString $limitQuantity) $message) }}
{{- end }}
{{- if gt (mul $budget 2) $heap }}
{{- fail (printf "%s: memory.maxInFlightBytes (%d bytes) is more than half the heap (%d bytes, %d%% of limits.memory %s): a request costs about twice its size in the heap while it is read and decoded" $what $budget $heap ($memory.heapPercent | int) (toString $limitQuantity)) }}
{{- end }}
{{- if lt $heap (add $model 67108864) }}
{{- fail (printf "%s: the heap (%d bytes, %d%% of limits.memory %s) cannot hold the model file (memory.modelSize, %d bytes) plus 64Mi while it is loaded: raise limits.memory or memory.heapPercent" $what $heap ($memory.heapPercent | int) (toString $limitQuantity) $model) }}
{{- end }}
{{- if lt (sub $limit $heap) (add $model $budget $runtime) }}
{{- fail (printf "%s: outside the heap, limits.memory %s leaves %d bytes; ONNX Runtime needs the model (memory.modelSize, %d bytes) and the tensors of the requests in flight (about the budget, %d bytes), and the runtime about 100Mi: raise limits.memory, or lower memory.heapPercent" $what (toString $limitQuantity) (sub $limit $heap) $model $budget) }}
{{- end }}
{{- toJson (dict "limit" $limit "heap" $heap "budget" $budget "maxMessage" $message) }}
{{- end }}

{{/* Model server probes. Context: the root. */}}
{{- define "inference.modelServer.probes" -}}
{{- $p := .Values.modelServer.probes }}
{{- $ready := dict "httpGet" (dict "path" "/readyz" "port" "http") }}
{{- $alive := dict "httpGet" (dict "path" "/healthz" "port" "http") }}
{{- if eq $p.type "grpc" }}
{{- /*
grpc.health.v1.Health/Check reports SERVING once the model is loaded and warmed, and NOT_SERVING
again while the server drains: a readiness signal. Liveness stays on /healthz (the process
answers): a liveness probe on the readiness signal would restart a pod that is only draining.
*/}}
{{- $ready = dict "grpc" (dict "port" 8001) }}
{{- end -}}
startupProbe:
  {{- toYaml $ready | nindent 2 }}
  periodSeconds: {{ $p.startup.periodSeconds | int }}
  failureThreshold: {{ $p.startup.failureThreshold | int }}
livenessProbe:
  {{- toYaml $alive | nindent 2 }}
  periodSeconds: {{ $p.liveness.periodSeconds | int }}
  timeoutSeconds: {{ $p.liveness.timeoutSeconds | int }}
  failureThreshold: {{ $p.liveness.failureThreshold | int }}
readinessProbe:
  {{- toYaml $ready | nindent 2 }}
  periodSeconds: {{ $p.readiness.periodSeconds | int }}
  timeoutSeconds: {{ $p.readiness.timeoutSeconds | int }}
  failureThreshold: {{ $p.readiness.failureThreshold | int }}
{{- end }}

{{/* ---------- router ---------- */}}

{{/*
The router's JSON config (the --config file), from .Values.models. Endpoints are the versions'
headless Services: the router re-resolves these names, and a headless name resolves to one address
per ready pod, so the router balances gRPC per pod. Rejects, at render time, what the router would
reject at load time.
*/}}
{{- define "inference.router.config" -}}
{{- $root := . }}
{{- $models := dict }}
{{- range $modelName, $model := .Values.models }}
{{- $versions := dict }}
{{- range $version, $spec := $model.versions }}
{{- $ctx := dict "root" $root "model" $modelName "version" $version }}
{{- $_ := set $versions $version (dict "endpoints" (list (include "inference.modelServer.endpoint" $ctx))) }}
{{- end }}
{{- $e := required (printf "models.%s.experiment is required" $modelName) $model.experiment }}
{{- $groups := list }}
{{- $groupNames := dict }}
{{- $total := 0.0 }}
{{- range $i, $g := $e.groups }}
{{- if hasKey $groupNames $g.name }}
{{- fail (printf "models.%s.experiment.groups: group %q appears twice" $modelName $g.name) }}
{{- end }}
{{- $_ := set $groupNames $g.name true }}
{{- if not (hasKey $versions $g.version) }}
{{- fail (printf "models.%s.experiment.groups[%d] (%s): version %q is not in models.%s.versions (%s)" $modelName $i $g.name $g.version $modelName (keys $versions | sortAlpha | join ", ")) }}
{{- end }}
{{- $total = addf $total $g.weight }}
{{- $groups = append $groups (dict "name" $g.name "version" $g.version "weight" $g.weight) }}
{{- end }}
{{- if not (hasKey $groupNames $e.control) }}
{{- fail (printf "models.%s.experiment.control: %q is not one of its groups" $modelName $e.control) }}
{{- end }}
{{- if not (gt $total 0.0) }}
{{- fail (printf "models.%s.experiment.groups: the weights add up to 0; give at least one group weight" $modelName) }}
{{- end }}
{{- $experiment := dict "name" $e.name "control" $e.control "groups" $groups }}
{{- if hasKey $e "stickyHeader" }}
{{- $_ := set $experiment "stickyHeader" $e.stickyHeader }}
{{- end }}
{{- if hasKey $e "allowOverride" }}
{{- $_ := set $experiment "allowOverride" $e.allowOverride }}
{{- end }}
{{- with $e.shadow }}
{{- if not (hasKey $versions (toString .version)) }}
{{- fail (printf "models.%s.experiment.shadow.version: %q is not in models.%s.versions (%s)" $modelName (toString .version) $modelName (keys $versions | sortAlpha | join ", ")) }}
{{- end }}
{{- $_ := set $experiment "shadow" . }}
{{- end }}
{{- with $e.guard }}
{{- $_ := set $experiment "guard" . }}
{{- end }}
{{- if hasKey $e "metrics" }}
{{- $_ := set $experiment "metrics" $e.metrics }}
{{- end }}
{{- $_ := set $models $modelName (dict "versions" $versions "experiment" $experiment) }}
{{- end }}
{{- $config := dict "models" $models }}
{{- range $key, $value := .Values.router.settings }}
{{- $_ := set $config $key $value }}
{{- end }}
{{- toPrettyJson $config }}
{{- end }}

{{/*
A version's autoscaling settings: modelServer.autoscaling with the version's keys on top, key by
key (an explicit `enabled: false` must win, which a generic deep merge may skip as an empty value).
Returns JSON; use with fromJson. Context: dict "root" "spec".
*/}}
{{- define "inference.modelServer.autoscaling" -}}
{{- $merged := deepCopy .root.Values.modelServer.autoscaling }}
{{- range $key, $value := (default dict .spec.autoscaling) }}
{{- $_ := set $merged $key $value }}
{{- end }}
{{- toJson $merged }}
{{- end }}

{{/*
Fails when two model versions would get the same resource name (names are lower-cased and
characters other than a-z, 0-9 and "-" become "-", so "1.0" and "1-0" collide). Context: the root.
*/}}
{{- define "inference.modelServer.checkNames" -}}
{{- $names := dict }}
{{- range $modelName, $model := .Values.models }}
{{- range $version, $spec := $model.versions }}
{{- $name := include "inference.modelServer.fullname" (dict "root" $ "model" $modelName "version" $version) }}
{{- if hasKey $names $name }}
{{- fail (printf "models.%s.versions.%s: resource name %q is already used by %s; versions must differ after lower-casing and replacing characters other than a-z, 0-9 and -" $modelName $version $name (get $names $name)) }}
{{- end }}
{{- $_ := set $names $name (printf "models.%s.versions.%s" $modelName $version) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The router container, as an item of a pod's container list. Shared by the gateway Deployment
and the sidecar snippet. Context: the root.
*/}}
{{- define "inference.router.container" -}}
{{- $r := .Values.router -}}
- name: router
  image: {{ include "inference.image" (list $r.image .) }}
  imagePullPolicy: {{ $r.image.pullPolicy }}
  {{- if and (eq $r.mode "sidecar") $r.sidecar.native }}
  # A native sidecar: started before the app's containers, stopped after them.
  restartPolicy: Always
  {{- end }}
  args:
    - --config
    - /etc/inference-router/router.json
    - --port
    - {{ $r.ports.grpc | int | quote }}
    - --admin-port
    - {{ $r.ports.admin | int | quote }}
    - --admin-token-file
    - {{ include "inference.router.adminTokenFile" . | quote }}
    - --state-file
    - /var/lib/inference-router/state.json
    - --drain-delay-ms
    - {{ mul ($r.drainDelaySeconds | int) 1000 | quote }}
    {{- $limits := default dict $r.limits }}
    {{- range $value, $flag := dict "maxReceiveMessageSize" "--max-receive-message-size" "maxConnections" "--max-connections" "maxConfigBytes" "--max-config-bytes" "maxStateBytes" "--max-state-bytes" "maxAdminBodyBytes" "--max-admin-body-bytes" }}
    {{- if not (kindIs "invalid" (get $limits $value)) }}
    - {{ $flag }}
    - {{ get $limits $value | int64 | quote }}
    {{- end }}
    {{- end }}
    {{- if not (kindIs "invalid" $limits.firstMessageTimeoutSeconds) }}
    - --first-message-timeout-ms
    - {{ mulf $limits.firstMessageTimeoutSeconds 1000 | int64 | quote }}
    {{- end }}
    {{- if $r.predictionLog.enabled }}
    # Sampled calls as JSON Lines on stdout, next to the logs, for the cluster's log shipper.
    - --prediction-log
    - "-"
    - --prediction-log-sample
    - {{ $r.predictionLog.sample | toString | quote }}
    {{- end }}
    {{- range $r.extraArgs }}
    - {{ . | quote }}
    {{- end }}
  {{- with $r.env }}
  env:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    - name: router-grpc
      containerPort: {{ $r.ports.grpc | int }}
      protocol: TCP
    - name: router-admin
      containerPort: {{ $r.ports.admin | int }}
      protocol: TCP
  livenessProbe:
    httpGet:
      path: /healthz
      port: router-admin
    periodSeconds: {{ $r.probes.liveness.periodSeconds | int }}
    timeoutSeconds: {{ $r.probes.liveness.timeoutSeconds | int }}
    failureThreshold: {{ $r.probes.liveness.failureThreshold | int }}
  readinessProbe:
    httpGet:
      path: /readyz
      port: router-admin
    periodSeconds: {{ $r.probes.readiness.periodSeconds | int }}
    timeoutSeconds: {{ $r.probes.readiness.timeoutSeconds | int }}
    failureThreshold: {{ $r.probes.readiness.failureThreshold | int }}
  resources:
    {{- toYaml $r.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  volumeMounts:
    # The whole directory, never a subPath: the kubelet updates a ConfigMap volume in place only
    # when it is mounted as a directory, and the router reloads router.json when it changes.
    - name: router-config
      mountPath: /etc/inference-router
      readOnly: true
    # Likewise the admin token's Secret: the router re-reads the token file when a rotated Secret
    # reaches the volume (an environment variable would be fixed for the pod's life).
    - name: router-admin-token
      mountPath: {{ include "inference.router.adminTokenDir" . }}
      readOnly: true
    - name: router-state
      mountPath: /var/lib/inference-router
    - name: router-tmp
      mountPath: /tmp
{{- end }}

{{/* The router's volumes, as items of a pod's volume list. Context: the root. */}}
{{- define "inference.router.volumes" -}}
{{- $r := .Values.router -}}
- name: router-config
  configMap:
    name: {{ include "inference.router.configName" . }}
- name: router-admin-token
  secret:
    secretName: {{ include "inference.router.adminSecretName" . }}
    # Only the token's key: other keys of a Secret the chart does not own stay out of the pod.
    items:
      - key: {{ $r.adminToken.existingSecretKey | quote }}
        path: {{ $r.adminToken.existingSecretKey | quote }}
- name: router-state
  {{- if and (eq $r.mode "gateway") $r.state.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "inference.componentName" (list . "router-state") }}
  {{- else }}
  emptyDir:
    sizeLimit: {{ $r.state.sizeLimit }}
  {{- end }}
- name: router-tmp
  emptyDir:
    sizeLimit: {{ $r.tmpSizeLimit }}
{{- end }}

{{/* Whether the chart renders the router at all: it is enabled and there is a model to route to. */}}
{{- define "inference.router.enabled" -}}
{{- if and .Values.router.enabled .Values.models }}true{{ end }}
{{- end }}

{{/*
PromQL label matchers for this release's router series: prometheusRule.routerSelector, or the job
label the Prometheus Operator gives targets of the chart's own monitors (a ServiceMonitor's job is
the Service's name; a PodMonitor's is "<namespace>/<name>").
*/}}
{{- define "inference.router.seriesSelector" -}}
{{- if .Values.prometheusRule.routerSelector }}
{{- .Values.prometheusRule.routerSelector }}
{{- else if eq .Values.router.mode "gateway" }}
{{- printf "namespace=%q,job=%q" .Release.Namespace (include "inference.componentName" (list . "router-admin")) }}
{{- else }}
{{- printf "namespace=%q,job=%q" .Release.Namespace (printf "%s/%s" .Release.Namespace (include "inference.componentName" (list . "router-sidecars"))) }}
{{- end }}
{{- end }}

{{/* Whether the chart runs the router as its own Deployment. */}}
{{- define "inference.router.gateway" -}}
{{- if and (include "inference.router.enabled" .) (eq .Values.router.mode "gateway") }}true{{ end }}
{{- end }}

{{/*
The model servers' graceful-stop timing, derived from the router's settings where values leave it
unset (see modelServer.drain in values.yaml). Returns JSON with delaySeconds, timeoutSeconds,
terminationGracePeriodSeconds and minReadySeconds; use with fromJson. Context: the root.
*/}}
{{- define "inference.modelServer.drain" -}}
{{- $ms := .Values.modelServer }}
{{- $settings := default dict .Values.router.settings }}
{{- $interval := ternary $settings.healthCheckIntervalSeconds 5 (hasKey $settings "healthCheckIntervalSeconds") | float64 }}
{{- $timeout := ternary $settings.healthCheckTimeoutSeconds 2 (hasKey $settings "healthCheckTimeoutSeconds") | float64 }}
{{- $dns := ternary $settings.dnsRefreshSeconds 10 (hasKey $settings "dnsRefreshSeconds") | float64 }}
{{- $drain := default dict $ms.drain }}
{{- $delay := 0 }}
{{- if kindIs "invalid" $drain.delaySeconds }}
{{- if gt $interval 0.0 }}
{{- $delay = addf $interval $timeout | ceil | int }}
{{- else }}
{{- $delay = addf $dns 5 | ceil | int }}
{{- end }}
{{- else }}
{{- $delay = $drain.delaySeconds | int }}
{{- end }}
{{- $drainTimeout := ternary $drain.timeoutSeconds 20 (hasKey $drain "timeoutSeconds") | int }}
{{- $grace := add $delay $drainTimeout 5 }}
{{- if not (kindIs "invalid" $ms.terminationGracePeriodSeconds) }}
{{- $grace = $ms.terminationGracePeriodSeconds | int }}
{{- if lt $grace (add $delay $drainTimeout) }}
{{- fail (printf "modelServer.terminationGracePeriodSeconds (%d) must be at least modelServer.drain.delaySeconds + modelServer.drain.timeoutSeconds (%d + %d): Kubernetes would kill the model server in the middle of its drain" $grace $delay $drainTimeout) }}
{{- end }}
{{- end }}
{{- $minReady := addf $dns 5 | ceil | int }}
{{- if not (kindIs "invalid" $ms.minReadySeconds) }}
{{- $minReady = $ms.minReadySeconds | int }}
{{- end }}
{{- toJson (dict "delaySeconds" $delay "timeoutSeconds" $drainTimeout "terminationGracePeriodSeconds" $grace "minReadySeconds" $minReady) }}
{{- end }}

{{/* ---------- batch Job ---------- */}}

{{/*
The batch Job's output file name: batch.output with "{index}" replaced by the pod's completion index
(expanded by Kubernetes from the container's environment). Context: .Values.batch.
*/}}
{{- define "inference.batch.outputName" -}}
{{- if not (contains "{index}" .output) }}
{{- fail (printf "batch.output %q must contain {index}: every pod of the Job writes its own file" .output) }}
{{- end }}
{{- replace "{index}" "$(JOB_COMPLETION_INDEX)" .output }}
{{- end }}

{{/*
Where a remote batch Job sends its calls: the router's Service in gateway mode (which balances over the
version's replicas; the pinned version bypasses the experiment), else the version's headless Service.
Context: the version context.
*/}}
{{- define "inference.batch.address" -}}
{{- if include "inference.router.gateway" .root }}
{{- printf "%s.%s.svc.%s:%d" (include "inference.router.fullname" .root) .root.Release.Namespace .root.Values.clusterDomain (.root.Values.router.ports.grpc | int) }}
{{- else }}
{{- printf "%s.%s.svc.%s:%d" (include "inference.modelServer.fullname" .) .root.Release.Namespace .root.Values.clusterDomain 8001 }}
{{- end }}
{{- end }}
