"""The baseline: a bare Flask JSON endpoint, served by gunicorn with the product's settings."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/echo")
def echo():
    return jsonify({"received": len(request.get_data())}), 201


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})
