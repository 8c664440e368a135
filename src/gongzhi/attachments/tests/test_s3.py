"""Attachments in S3-compatible object storage (django-storages), against a real S3 server
on 127.0.0.1: moto's server, started by the test (MinIO is not packaged for Debian or PyPI).
The settings are those ``GONGZHI_S3_*`` make (settings.py)."""

import io
import urllib.error
import urllib.request

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gongzhi.attachments import services
from gongzhi.attachments.storage import storage

from .files import photo

moto_server = pytest.importorskip("moto.server")
BUCKET = "gongzhi-attachments"
KEYS = {"aws_access_key_id": "gongzhi-test", "aws_secret_access_key": "gongzhi-test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **KEYS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": KEYS["aws_access_key_id"],
                "secret_key": KEYS["aws_secret_access_key"],
                "location": "attachments",
                "default_acl": "private",
                "addressing_style": "path",
                "querystring_auth": True,
                "file_overwrite": False,
                "signature_version": "s3v4",
            },
        },
    }
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_files_are_private_objects_read_back_through_the_view(
    world, demand, bucket, client_as, django_capture_on_commit_callbacks
):
    assert type(storage()).__name__ == "S3Storage"
    (row,) = services.attach(
        demand,
        [SimpleUploadedFile("现场.jpg", photo())],
        actor=world.users["secretary"],
        kind="photo",
    )
    stored = keys(bucket)
    assert stored == sorted([f"attachments/{row.blob}", f"attachments/{row.thumbnail}"])
    assert not any("现场" in key for key in stored)  # random names only
    for key in stored:
        grants = bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        assert not [g for g in grants if "AllUsers" in str(g.get("Grantee"))]
    # Not readable without signing: the object's address answers 403 to anyone else.
    for key in stored:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{bucket.meta.endpoint_url}/{BUCKET}/{key}")  # noqa: S310
        assert refused.value.code == 403

    response = client_as(world.users["staff"]).get(reverse("attachments:download", args=[row.pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert len(data) == row.size and not Image.open(io.BytesIO(data)).getexif()

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_attachment(row, actor=world.users["secretary"])
    assert keys(bucket) == []


def test_a_failing_object_store_keeps_nothing(world, demand, bucket, settings):
    settings.STORAGES["attachments"]["OPTIONS"]["bucket_name"] = "no-such-bucket"
    settings.STORAGES = {**settings.STORAGES}
    with pytest.raises(services.StorageUnavailable):
        services.attach(
            demand,
            [SimpleUploadedFile("a.txt", b"x")],
            actor=world.users["secretary"],
            kind="document",
        )
    assert keys(bucket) == []
