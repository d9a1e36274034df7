"""The daily ETL (DESIGN D6): output-dataset declarations and pure transforms per source."""
