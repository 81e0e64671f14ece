{{- define "switchyard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "switchyard.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "switchyard.labels" -}}
{{ include "switchyard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "switchyard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "switchyard.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The rules the operator needs on the namespaces it watches: its own kinds, and the children it applies. */}}
{{- define "switchyard.workloadRules" -}}
- apiGroups: [switchyard.dev]
  resources: [llmgateways, modeldeployments, virtualkeys]
  verbs: [get, list, watch, patch]
- apiGroups: [switchyard.dev]
  resources: [llmgateways/status, modeldeployments/status, virtualkeys/status]
  verbs: [get, patch]
- apiGroups: ['']
  resources: [configmaps, secrets, services, serviceaccounts]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: ['']
  resources: [pods]
  verbs: [get, list, watch]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [monitoring.coreos.com]
  resources: [servicemonitors]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: ['', events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- end -}}

{{/*
The operator's NODE_OPTIONS: V8 heap limits sized by the container's memory limit (V8 sizes its own by the
node's memory and lets the heap grow toward that between collections), then .Values.nodeOptions.
*/}}
{{- define "switchyard.nodeOptions" -}}
{{- $flags := list -}}
{{- $oldSpace := int .Values.heap.maxOldSpaceSize -}}
{{- $limit := toString (dig "limits" "memory" "" .Values.resources) -}}
{{- if and (eq $oldSpace 0) (ne $limit "") -}}
{{- $number := regexFind "^[0-9]+" $limit -}}
{{- $unit := trimPrefix $number $limit -}}
{{- $bytes := dict "" 1 "k" 1000 "K" 1000 "M" 1000000 "G" 1000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 -}}
{{- if or (eq $number "") (not (hasKey $bytes $unit)) -}}
{{- fail (printf "resources.limits.memory %q: use an integer with Ki, Mi, Gi, k, M or G, or set heap.maxOldSpaceSize" $limit) -}}
{{- end -}}
{{- $mib := div (mul (int64 $number) (get $bytes $unit)) 1048576 -}}
{{- $oldSpace = max 16 (div (mul $mib (int .Values.heap.limitPercent)) 100) -}}
{{- end -}}
{{- if gt $oldSpace 0 -}}
{{- $flags = append $flags (printf "--max-old-space-size=%d" $oldSpace) -}}
{{- end -}}
{{- if gt (int .Values.heap.maxSemiSpaceSize) 0 -}}
{{- $flags = append $flags (printf "--max-semi-space-size=%d" (int .Values.heap.maxSemiSpaceSize)) -}}
{{- end -}}
{{- with .Values.nodeOptions -}}
{{- $flags = append $flags . -}}
{{- end -}}
{{- join " " $flags -}}
{{- end -}}
