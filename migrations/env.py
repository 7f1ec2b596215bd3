"""Alembic environment: runs against the app's engine and the models' metadata."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")


def _engine():
    return current_app.extensions["migrate"].db.engine


def _metadata():
    return current_app.extensions["migrate"].db.metadata


def run_migrations_offline():
    url = _engine().url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=_metadata(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        """Do not write an empty revision when autogenerate finds no change."""
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with _engine().connect() as connection:
        conf_args.setdefault("render_as_batch", connection.dialect.name == "sqlite")
        conf_args.setdefault("compare_type", True)
        context.configure(connection=connection, target_metadata=_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
