import os

import pytest

from apps.transfer.blobs import BlobWriter, delete_blob, iter_blob, read_blob, write_blob
from apps.transfer.models import StoredChunk

pytestmark = pytest.mark.django_db


def test_large_content_is_stored_in_pieces_and_read_back():
    content = os.urandom(2_500_000)
    assert write_blob("t", content) == len(content)
    assert StoredChunk.objects.filter(key="t").count() == 3
    assert read_blob("t") == content
    assert b"".join(iter_blob("t")) == content
    delete_blob("t")
    with pytest.raises(FileNotFoundError):
        read_blob("t")


def test_writer_replaces_an_earlier_blob_of_the_same_key():
    write_blob("k", b"old" * 1000)
    writer = BlobWriter("k")
    writer.write(b"new")
    writer.close()
    assert read_blob("k") == b"new"
