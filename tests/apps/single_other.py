"""One app under an unusual name: found because it is the only instance."""

from flask import Flask

my_custom_app = Flask("single_other")
