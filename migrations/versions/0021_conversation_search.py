"""conversation_search: one search document per conversation, kept by triggers, backfilled

Revision ID: 0021_conversation_search
Revises: 0019_submit_perf

The list's text filter checks one row per conversation instead of collecting
every matching message (models/conversation_search.py). Triggers on
`conversation`, `customer` and `message` keep the document in the writing
transaction, for ORM and bulk SQL writes alike. Its text index is SQL only
(models/sql_only.py): an FTS5 trigram table on SQLite, pg_trgm GIN indexes on
PostgreSQL. The triggers are created with plain CREATE TRIGGER on the existing
tables (no `batch_alter_table` on `customer` or `message`: on SQLite that
recreates them and drops every trigger on them, these and the FTS5 ones).
"""
from alembic import op
import sqlalchemy as sa

revision = '0021_conversation_search'
down_revision = '0019_submit_perf'
branch_labels = None
depends_on = None

FTS = "conversation_search_fts"
COLUMNS = ("customer_text", "message_text")
# The customer part of a document: a live (not erased, not merged away) customer's text.
CUSTOMER_TEXT = "(SELECT search_text FROM customer WHERE id = {id} AND merged_into_id IS NULL)"
# The message part: every message's text in the order they were stored.
MESSAGE_TEXT = {
    "sqlite": "(SELECT group_concat(search_text, ' ') FROM "
              "(SELECT search_text FROM message WHERE conversation_id = {id} ORDER BY id))",
    "postgresql": "(SELECT string_agg(search_text, ' ' ORDER BY id) FROM message WHERE conversation_id = {id})",
}


def upgrade():
    op.create_table(
        'conversation_search',
        sa.Column('conversation_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('customer_text', sa.Text(), nullable=True),
        sa.Column('message_text', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'],
                                name=op.f('fk_conversation_search_conversation_id_conversation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_conversation_search')),
    )
    dialect = op.get_bind().dialect.name
    op.execute("INSERT INTO conversation_search (conversation_id, customer_text, message_text) "
               f"SELECT c.id, {CUSTOMER_TEXT.format(id='c.customer_id')}, "
               f"{MESSAGE_TEXT[dialect].format(id='c.id')} FROM conversation c")
    if dialect == "postgresql":
        _postgresql_triggers()
        for column in COLUMNS:
            op.execute(f"CREATE INDEX ix_conversation_search_{column}_trgm ON conversation_search "
                       f"USING gin ({column} gin_trgm_ops)")
        op.execute("ANALYZE conversation_search")
    else:
        _sqlite_triggers()
        _sqlite_fts()


def _sqlite_triggers() -> None:
    customer_of = CUSTOMER_TEXT.format(id="new.customer_id")

    def rebuild(row: str) -> str:
        """Recompute the message part of the document of `row`'s conversation."""
        id_ = f"{row}.conversation_id"
        return (f"UPDATE conversation_search SET message_text = {MESSAGE_TEXT['sqlite'].format(id=id_)} "
                f"WHERE conversation_id = {id_};")

    statements = {
        "conversation_ai": "AFTER INSERT ON conversation BEGIN INSERT INTO conversation_search "
                           f"(conversation_id, customer_text) VALUES (new.id, {customer_of}); END",
        "conversation_au": "AFTER UPDATE OF customer_id ON conversation WHEN old.customer_id IS NOT new.customer_id "
                           f"BEGIN UPDATE conversation_search SET customer_text = {customer_of} "
                           "WHERE conversation_id = new.id; END",
        "customer_au": "AFTER UPDATE OF search_text, merged_into_id ON customer "
                       "WHEN old.search_text IS NOT new.search_text OR old.merged_into_id IS NOT new.merged_into_id "
                       "BEGIN UPDATE conversation_search SET customer_text = "
                       "CASE WHEN new.merged_into_id IS NULL THEN new.search_text END "
                       "WHERE conversation_id IN (SELECT id FROM conversation WHERE customer_id = new.id); END",
        "message_ai": "AFTER INSERT ON message WHEN new.search_text IS NOT NULL BEGIN "
                      "UPDATE conversation_search SET message_text = coalesce(message_text || ' ', '') || "
                      "new.search_text WHERE conversation_id = new.conversation_id; END",
        "message_au": "AFTER UPDATE OF search_text, conversation_id ON message "
                      "WHEN old.search_text IS NOT new.search_text OR old.conversation_id IS NOT new.conversation_id "
                      f"BEGIN {rebuild('old')} {rebuild('new')} END",
        "message_ad": f"AFTER DELETE ON message BEGIN {rebuild('old')} END",
    }
    for name, body in statements.items():
        op.execute(f"CREATE TRIGGER conversation_search_{name} {body}")


def _sqlite_fts() -> None:
    """An external-content FTS5 trigram index over both columns, built, with its sync triggers."""
    columns, old, new = ", ".join(COLUMNS), ", ".join(f"old.{c}" for c in COLUMNS), ", ".join(
        f"new.{c}" for c in COLUMNS)
    op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5({columns}, content='conversation_search', "
               "content_rowid='conversation_id', tokenize='trigram')")
    op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    insert_new = f"INSERT INTO {FTS}(rowid, {columns}) VALUES (new.conversation_id, {new});"
    delete_old = f"INSERT INTO {FTS}({FTS}, rowid, {columns}) VALUES ('delete', old.conversation_id, {old});"
    op.execute(f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON conversation_search BEGIN {insert_new} END")
    op.execute(f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON conversation_search BEGIN {delete_old} END")
    op.execute(f"CREATE TRIGGER {FTS}_au AFTER UPDATE ON conversation_search BEGIN {delete_old} {insert_new} END")


def _postgresql_triggers() -> None:
    customer_of = CUSTOMER_TEXT.format(id="NEW.customer_id")

    def messages_of(id_):
        return MESSAGE_TEXT["postgresql"].format(id=id_)

    functions = {
        "conversation": f"""
            IF TG_OP = 'INSERT' THEN
                INSERT INTO conversation_search (conversation_id, customer_text) VALUES (NEW.id, {customer_of});
            ELSE
                UPDATE conversation_search SET customer_text = {customer_of} WHERE conversation_id = NEW.id;
            END IF;""",
        "customer": """
            UPDATE conversation_search SET customer_text = CASE WHEN NEW.merged_into_id IS NULL THEN NEW.search_text END
            WHERE conversation_id IN (SELECT id FROM conversation WHERE customer_id = NEW.id);""",
        "message": f"""
            IF TG_OP = 'INSERT' THEN
                UPDATE conversation_search SET message_text = concat_ws(' ', message_text, NEW.search_text)
                WHERE conversation_id = NEW.conversation_id;
                RETURN NULL;
            END IF;
            UPDATE conversation_search SET message_text = {messages_of('OLD.conversation_id')}
            WHERE conversation_id = OLD.conversation_id;
            IF TG_OP = 'UPDATE' AND NEW.conversation_id <> OLD.conversation_id THEN
                UPDATE conversation_search SET message_text = {messages_of('NEW.conversation_id')}
                WHERE conversation_id = NEW.conversation_id;
            END IF;""",
    }
    for name, body in functions.items():
        op.execute(f"CREATE FUNCTION conversation_search_on_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {body} RETURN NULL; END $$")
    triggers = {
        "conversation_ai": ("conversation", "AFTER INSERT ON conversation", ""),
        "conversation_au": ("conversation", "AFTER UPDATE OF customer_id ON conversation",
                            "WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id)"),
        "customer_au": ("customer", "AFTER UPDATE OF search_text, merged_into_id ON customer",
                        "WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text "
                        "OR OLD.merged_into_id IS DISTINCT FROM NEW.merged_into_id)"),
        "message_ai": ("message", "AFTER INSERT ON message", "WHEN (NEW.search_text IS NOT NULL)"),
        "message_au": ("message", "AFTER UPDATE OF search_text, conversation_id ON message",
                       "WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text "
                       "OR OLD.conversation_id IS DISTINCT FROM NEW.conversation_id)"),
        "message_ad": ("message", "AFTER DELETE ON message", ""),
    }
    for name, (function, event, when) in triggers.items():
        op.execute(f"CREATE TRIGGER conversation_search_{name} {event} FOR EACH ROW {when} "
                   f"EXECUTE FUNCTION conversation_search_on_{function}()")


TRIGGERS = ("conversation_ai", "conversation_au", "customer_au", "message_ai", "message_au", "message_ad")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS conversation_search_{name} ON {name.rsplit('_', 1)[0]}")
        for function in ("conversation", "customer", "message"):
            op.execute(f"DROP FUNCTION IF EXISTS conversation_search_on_{function}()")
    else:
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS conversation_search_{name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    op.drop_table('conversation_search')
