{{- define "kefu.fullname" -}}
{{- printf "%s-kefu" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kefu.labels" -}}
app.kubernetes.io/name: kefu
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kefu.selector" -}}
app.kubernetes.io/name: kefu
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: web
{{- end -}}

{{/* Environment every kefu container gets: settings, secrets, the database and the model tier. */}}
{{- define "kefu.env" -}}
- name: KEFU_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "kefu.fullname" . }}
      key: database-password
- name: KEFU_DATABASE_URL
  value: "postgresql+psycopg://{{ .Values.database.user }}:$(KEFU_DB_PASSWORD)@{{ .Values.database.host }}:{{ .Values.database.port }}/{{ .Values.database.name }}"
- name: KEFU_TELEGRAM_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "kefu.fullname" . }}
      key: telegram-token
- name: KEFU_CONSOLE_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "kefu.fullname" . }}
      key: console-secret-key
{{- end -}}
