"""Sends COUNT log records through the OpenTelemetry Python SDK's OTLP exporter (http or grpc) to
ENDPOINT, then shuts the provider down (which flushes). Every record carries one value of every
OTLP kind; record i varies the values by i. The test (python-fidelity.e2e.test.ts) computes the same
values and checks what the collector wrote, field by field.

Usage: python python-sender.py http|grpc ENDPOINT COUNT
"""

import sys

from opentelemetry._logs import SeverityNumber
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource


def attributes(i):
    return {
        "ratio.whole": 1.0,
        "ratio.negative_zero": -0.0,
        "ratio.fraction": i + 0.25,
        "ratio.whole_beyond_2_53": float(2**53 + 2 * i),
        "amount.whole": float(i),
        "order.id": 2**62 + i,
        "id.min": -(2**63),
        "count": i,
        "flag": i % 2 == 0,
        "payload": bytes([0, 1, 254, 255, i % 256]),
        "payload.empty": b"",
        "text.empty": "",
        "text.unicode": "ünïcödé ✓ 日本 🎉",
        "list.ints": [1, 2, 2**62 + i],
        "list.doubles": [1.0, 2.5],
        "list.empty": [],
        "map.nested": {"ratio": 100.0, "inner": {"id": 2**60 + i, "raw": b"\x00\x01"}},
        "map.empty": {},
        "db.connection_string": "redis://app:pw-%d@orders-primary:6379/0" % i,
    }


def main():
    protocol, endpoint, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter

        exporter = OTLPLogExporter(endpoint=endpoint, insecure=True)
    else:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

        exporter = OTLPLogExporter(endpoint=endpoint)
    provider = LoggerProvider(resource=Resource.create({"service.name": "python-sender", "host.cpu.ratio": 1.0}))
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter, schedule_delay_millis=50))
    logger = provider.get_logger("fidelity")
    for i in range(count):
        # Every fifth record is DEBUG outside a trace: the collector must pass it by default.
        severity = SeverityNumber.DEBUG if i % 5 == 0 else SeverityNumber.INFO
        body = {"message": "record %d" % i, "weight": 3.0} if i % 2 else "record %d" % i
        logger.emit(severity_number=severity, severity_text=severity.name, body=body, attributes=attributes(i))
    provider.shutdown()


main()
