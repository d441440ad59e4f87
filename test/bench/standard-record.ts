import { SeverityNumber, type LogRecord } from '@opentelemetry/api';

/**
 * The standard record of `npm run bench`: what a typical request log line looks like — a short
 * message, a handful of HTTP and business attributes, no secret. Every stage's cost is quoted per
 * this record so the figures can be compared and added up.
 */
export function standardRecord(i: number): LogRecord {
  return {
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: `order ${100000 + i} checked out by customer ${i % 977} in ${i % 250} ms`,
    attributes: {
      'http.request.method': 'POST',
      'http.route': '/api/orders/:id/checkout',
      'http.response.status_code': 200,
      'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
      'order.id': `ord_${(100000 + i).toString(36)}`,
      'order.total': 129.95,
      'duration_ms': i % 250,
    },
  };
}
