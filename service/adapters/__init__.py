"""Adapters of the ports: local ones here; AWS ones import boto3 lazily."""
