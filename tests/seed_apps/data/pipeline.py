# src/data/pipeline.py (seed 000, "2. Data Processing Pipeline")
# ruff: noqa: I001  (the imports as the seed writes them)
from snapy_capture import capture_args
from snapy_testing import FunctionTracer  # noqa: F401  (imported by the seed's module)
import pandas as pd  # noqa: F401  (imported by the seed's module, not used by it)


class DataPipeline:
    @capture_args(path="./pipeline_captures", ignore_args=["credentials"], retention=3)
    def process_customer_data(self, raw_data_path, credentials, output_format="json"):
        """Multi-stage data processing pipeline"""

        # Stage 1: Data ingestion
        raw_data = self._ingest_data(raw_data_path, credentials)

        # Stage 2: Data validation and cleaning
        validated_data = self._validate_and_clean(raw_data)

        # Stage 3: Data enrichment
        enriched_data = self._enrich_data(validated_data)

        # Stage 4: Data aggregation
        aggregated_data = self._aggregate_data(enriched_data)

        # Stage 5: Output formatting
        formatted_output = self._format_output(aggregated_data, output_format)

        return {
            "processed_records": len(formatted_output),
            "data": formatted_output,
            "pipeline_stats": self._get_pipeline_stats(),
        }

    # -- scaffolding: the stages the seed leaves as `pass` ----------------------------------

    def _ingest_data(self, path, credentials):
        # Data ingestion logic
        with open(path, encoding="utf-8") as source:
            header, *rows = [line.strip().split(",") for line in source if line.strip()]
        self._stats = {"ingested": len(rows)}
        return [dict(zip(header, row, strict=True)) for row in rows]

    def _validate_and_clean(self, data):
        # Data validation and cleaning
        cleaned = [row for row in data if row.get("email") and row.get("country")]
        self._stats["rejected"] = len(data) - len(cleaned)
        return cleaned

    def _enrich_data(self, data):
        # Data enrichment with external sources
        regions = {"GB": "EMEA", "DE": "EMEA", "US": "AMER", "JP": "APAC"}
        return [{**row, "region": regions.get(row["country"], "OTHER")} for row in data]

    def _aggregate_data(self, data):
        # Data aggregation and summarization
        totals = {}
        for row in data:
            totals[row["region"]] = totals.get(row["region"], 0) + int(row["orders"])
        return totals

    def _format_output(self, data, format_type):
        # Output formatting
        if format_type == "csv":
            return [f"{region},{total}" for region, total in sorted(data.items())]
        return [{"region": region, "orders": total} for region, total in sorted(data.items())]

    def _get_pipeline_stats(self):
        return dict(self._stats)
