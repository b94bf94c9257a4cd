"""Fixtures for the HTTP service: one application over the sample tables, in process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the service needs the 'serve' extra")

from fastapi.testclient import TestClient

from scrubber.serve import ServiceConfig, create_app, load_config


@pytest.fixture
def service_config(sample_tables_db: Path) -> ServiceConfig:
    return load_config(tables=str(sample_tables_db))


@pytest.fixture
def client(service_config: ServiceConfig) -> Iterator[TestClient]:
    with TestClient(create_app(service_config), raise_server_exceptions=False) as c:
        yield c
