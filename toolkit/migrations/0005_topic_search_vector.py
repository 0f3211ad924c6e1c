"""A stored full-text search vector on topics, with a GIN index (PostgreSQL only).

The search page used to build every topic's vector from the title, summary, body and
category name on each request. A trigger now keeps the vector in the row: it is computed
before every insert and update of a topic, and refreshed for a category's topics when the
category is renamed, so admin edits, the content loader (which runs with historical models
in migrations) and raw updates all keep it right. SQLite has no full-text search here:
the column stays empty and its search works as before.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import migrations

# The same document as toolkit.selectors.topic_search built per request, weight for weight.
CREATE = """
CREATE FUNCTION toolkit_topic_search_vector(topic toolkit_topic) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, COALESCE(topic.title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE(topic.summary, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(
               (SELECT name FROM toolkit_category WHERE id = topic.category_id), '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(topic.body, '')), 'C')
$$;

CREATE FUNCTION toolkit_topic_search_vector_set() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := toolkit_topic_search_vector(NEW);
    RETURN NEW;
END
$$;

CREATE TRIGGER toolkit_topic_search_vector_set
BEFORE INSERT OR UPDATE ON toolkit_topic
FOR EACH ROW EXECUTE FUNCTION toolkit_topic_search_vector_set();

-- A rename re-saves the category's topics, whose own trigger recomputes the vector.
CREATE FUNCTION toolkit_category_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE toolkit_topic SET search_vector = NULL WHERE category_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER toolkit_category_renamed
AFTER UPDATE OF name ON toolkit_category
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
EXECUTE FUNCTION toolkit_category_renamed();

CREATE INDEX toolkit_topic_search_vector_gin ON toolkit_topic USING gin (search_vector);

-- Fill the vectors of the topics that exist (the trigger computes each one).
UPDATE toolkit_topic SET search_vector = NULL;
"""

DROP = """
DROP INDEX IF EXISTS toolkit_topic_search_vector_gin;
DROP TRIGGER IF EXISTS toolkit_category_renamed ON toolkit_category;
DROP FUNCTION IF EXISTS toolkit_category_renamed();
DROP TRIGGER IF EXISTS toolkit_topic_search_vector_set ON toolkit_topic;
DROP FUNCTION IF EXISTS toolkit_topic_search_vector_set();
DROP FUNCTION IF EXISTS toolkit_topic_search_vector(toolkit_topic);
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0004_starter_topics")]

    operations = [
        migrations.AddField(
            model_name="topic",
            name="search_vector",
            field=SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP)),
    ]
