"""A plain app in a module-level ``app`` attribute, with routes and commands."""

import click

from flask import current_app
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "simple index"


@app.post("/items/<int:item_id>")
def update_item(item_id):
    return str(item_id)


@app.cli.command("hello")
@click.option("--name", default="World")
def hello(name):
    """Greet someone from the app's CLI."""
    click.echo(f"Hello, {name} from {current_app.name}!")


@app.shell_context_processor
def shell_extras():
    return {"answer": 42}
