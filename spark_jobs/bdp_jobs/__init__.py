"""Spark jobs of the platform: the lake writer (DESIGN D5) and the daily ETL (DESIGN D6).

General pieces (event schemas as Spark types, Hadoop FileSystem access) live at this level;
each job's own modules live in a subpackage.
"""
