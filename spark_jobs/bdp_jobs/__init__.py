"""Spark jobs of the platform: the lake writer and the daily ETL.

General pieces (event schemas as Spark types, Hadoop FileSystem access) live at this level;
each job's own modules live in a subpackage.
"""
