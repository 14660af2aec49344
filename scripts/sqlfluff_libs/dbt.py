"""`dbt` cross-database macros for linting with sqlfluff's jinja templater.

Each renders the DuckDB SQL dbt-duckdb would produce, close enough for the linter to parse
the model around it; dbt itself renders the real macro for each engine at build time.
"""


def type_string():
    return "varchar"


def type_float():
    return "double"


def type_int():
    return "integer"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"
