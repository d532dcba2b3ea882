"""Queries whose SQL the ORM writes once per process, for the hottest lookups.

For a one-row lookup Django spends longer building the SQL than the database takes to
answer it, and a kept page's or a signature's whole cost is a few such lookups. On
PostgreSQL they also run as prepared statements (allyship_site.postgresql), so the
database plans them once per connection too.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import get_related_populators


def execute(connection, cursor, sql, params):
    """Run `sql` (as the ORM writes it) on `cursor`: as a statement the database plans
    once per connection where the backend can (allyship_site.postgresql), else as is.
    Only for SQL built from the code, never from input."""
    execute_prepared = getattr(connection, "execute_prepared", None)
    if execute_prepared is None:
        return cursor.execute(sql, params)
    return execute_prepared(cursor, sql, params)


class PreparedQuery:
    """A small query whose SQL the ORM writes once per process, then run with new values
    (the teacher page's key: ~0.45 ms of Python to build against ~0.2 ms to run; the
    pledge a student signs: ~0.5 ms). `build` takes a value for each of `names` and
    returns a queryset; it is called once with marker numbers, which must each come out
    as one parameter of the SQL (as the number, or as its text for a text column), and
    their places get the real values.

    `first()` gives a values_list() row as the database driver gives it, without Django's
    converters: right for cache keys, not for showing. `object()` gives a model instance
    with its annotations and select_related() instances, converted as the ORM would.
    """

    def __init__(self, build, *names):
        self.build = build
        self.names = names
        self.compiled = {}  # database alias -> _Compiled

    def first(self, **values):
        """The first row for these values, or None."""
        return self._run(values)[1]

    def object(self, **values):
        """The first row for these values as a model instance, or None."""
        compiled, row = self._run(values)
        if row is None:
            return None
        connection = connections[DEFAULT_DB_ALIAS]
        row = list(row)
        for place, (converters, expression) in compiled.converters:
            for converter in converters:
                row[place] = converter(row[place], expression, connection)
        start, end = compiled.model_columns
        instance = compiled.model.from_db(connection.alias, compiled.attnames, row[start:end])
        for populator in compiled.related:
            populator.populate(row, instance)
        for name, place in compiled.annotations:
            setattr(instance, name, row[place])
        return instance

    def _run(self, values):
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self.compiled.get(connection.alias)
        if compiled is None:
            compiled = self.compiled[connection.alias] = self._compile(connection)
        params = list(compiled.params)
        for name, place in compiled.places.items():
            params[place] = values[name]
        with connection.cursor() as cursor:
            execute(connection, cursor, compiled.sql, params)
            return compiled, cursor.fetchone()

    def _compile(self, connection):
        markers = {name: -7_700_001 - number for number, name in enumerate(self.names)}
        queryset = self.build(**markers)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        places = {}
        for name, marker in markers.items():
            found = [place for place, value in enumerate(params) if value in (marker, str(marker))]
            if len(found) != 1:
                raise ValueError(f"{name!r} is {len(found)} parameters of the SQL, not one")
            places[name] = found[0]
        compiled = _Compiled(sql, tuple(params), places)
        klass_info = compiler.klass_info
        if queryset.query.default_cols:  # a queryset of model instances: how to make them
            select = compiler.select
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            compiled.model = klass_info["model"]
            compiled.model_columns = (start, end)
            compiled.attnames = [column[0].target.attname for column in select[start:end]]
            compiled.annotations = list(compiler.annotation_col_map.items())
            # select_related(): the related instances, made as the ORM makes them
            compiled.related = get_related_populators(klass_info, select, connection.alias)
            fields = [column[0] for column in select[: compiler.col_count]]
            compiled.converters = list(compiler.get_converters(fields).items())
        return compiled


class _Compiled:
    def __init__(self, sql, params, places):
        self.sql = sql
        self.params = params
        self.places = places
        self.model = None
