# Databricks notebook source
from databricks.agents import deploy

deploy("main.docs.docs_agent", 7)
