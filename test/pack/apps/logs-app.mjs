// One log record through each logs API: @opentelemetry/api 1.10's `logs` and @opentelemetry/api-logs'.
// Run under `node --import otel-genai/register` with OTEL_LOGS_EXPORTER=otlp: both are exported.
import { logs, SeverityNumber } from '@opentelemetry/api';
import { logs as apiLogs } from '@opentelemetry/api-logs';

logs.getLogger('app-api').emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'through @opentelemetry/api' });
apiLogs
  .getLogger('app-api-logs')
  .emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'through @opentelemetry/api-logs' });
console.log('emitted');
