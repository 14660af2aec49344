"""`adapter` for linting with sqlfluff's jinja templater (which has no dbt adapter).

`adapter.dispatch('name')(args)` renders a plain SQL call so the surrounding model can be
linted; dbt itself picks the real per-engine macro at build time.
"""


def dispatch(macro_name, macro_namespace=None):
    def render(*args, **kwargs):
        values = [str(a) for a in args] + [str(v) for v in kwargs.values()]
        return f"{macro_name}({', '.join(values)})"

    return render
