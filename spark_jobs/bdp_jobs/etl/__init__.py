"""The daily ETL: output-dataset declarations and pure transforms per source."""
