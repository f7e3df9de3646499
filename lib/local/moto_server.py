"""The local stand-in for DynamoDB, KMS and SNS: moto's server, with two measures for DynamoDB that only
matter on a developer's machine and in the tests (design.md §4.3, docs/operations.md):

1. Every operation on the tables is serialised under one lock. moto's server answers requests on
   threads, and its transactions are not thread-safe: concurrent registrations failed with moto's own
   RuntimeError ("dictionary changed size during iteration").
2. A transaction keeps a copy of the items it touches, not of the whole table. moto deep-copies every
   table a transaction names so that it can roll back; with 10,000 items one registration took 20 s, with
   50,000 more than a minute. Here the table snapshot is skipped, and on failure the touched items are
   put back as they were, which is all the rollback needs.
3. A query of the table itself (not of an index) reads its one partition. moto reads and sorts every item
   of the table for each query, so an activation (which reads the account's activity log) got slower with
   every account: 2,000 registrations and activations took 11 minutes instead of 3.

And one for SNS: its HTTP deliveries carry the headers real SNS sends with them (`x-amz-sns-message-type`,
`x-amz-sns-message-id`, `x-amz-sns-topic-arn`), which the local runtime's endpoints require
(lib/local/notices.ts): a cross-site form post from a web page cannot carry them.

Run as `python3 moto_server.py -H 127.0.0.1 -p <port>` (the same arguments as `moto_server`).
"""

import copy
import sys
import threading

import requests
from moto.dynamodb import models as dynamodb_models
from moto.sns import models as sns_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.server import main

_LOCK = threading.RLock()
_deepcopy = copy.deepcopy


class _CopyWithoutTables:
    """moto.dynamodb.models' view of the `copy` module: a Table is not copied (see 2. above)."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value, memo=None):
        return value if isinstance(value, Table) else _deepcopy(value, memo)


def _patchable():
    """Whether this moto has the internals the two measures rely on (written against moto 5.2)."""
    return (
        hasattr(dynamodb_models, "copy")
        and hasattr(DynamoDBBackend, "transact_write_items")
        and hasattr(DynamoDBBackend, "get_keys_value")
        and hasattr(Table, "get_item")
        and hasattr(Table, "delete_item")
    )


def _key_of(table, op_type, op):
    if op_type == "Put":
        attrs = op["Item"]
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
        return key
    return op["Key"]


def _snapshot(backend, transact_items):
    """Each touched item as it is now (a deep copy; None when absent), to put back on failure."""
    saved = []
    for entry in transact_items:
        try:
            op_type, op = next(iter(entry.items()))
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            hash_key, range_key = backend.get_keys_value(table, _key_of(table, op_type, op))
            saved.append((table, hash_key, range_key, _deepcopy(table.get_item(hash_key, range_key))))
        except Exception:  # noqa: BLE001 - a malformed item: moto itself will refuse the transaction
            continue
    return saved


def _restore(saved):
    for table, hash_key, range_key, before in reversed(saved):
        if before is None:
            table.delete_item(hash_key, range_key)
        elif range_key is not None:
            table.items[hash_key][range_key] = before
        else:
            table.items[hash_key] = before


_transact = DynamoDBBackend.transact_write_items


def _transact_write_items(self, transact_items):  # noqa: D103 - see the module docstring
    with _LOCK:
        saved = _snapshot(self, transact_items)
        try:
            return _transact(self, transact_items)
        except BaseException:
            _restore(saved)
            raise


_query = Table.query


def _query_partition(self, hash_key, *args, **kwargs):  # noqa: D103 - see the module docstring
    index_name = kwargs["index_name"] if "index_name" in kwargs else (args[6] if len(args) > 6 else None)
    if index_name or hash_key is None:
        return _query(self, hash_key, *args, **kwargs)
    bucket = self.items.get(hash_key)
    partition = list(bucket.values()) if bucket and self.range_key_attr else ([bucket] if bucket else [])
    # moto's query filters `all_items()` by the hash key: give it the partition's items only.
    self.all_items = lambda: partition
    try:
        return _query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


def _serialised(method):
    def locked(self, *args, **kwargs):
        with _LOCK:
            return method(self, *args, **kwargs)

    locked.__name__ = method.__name__
    return locked


if _patchable():
    dynamodb_models.copy = _CopyWithoutTables()
    DynamoDBBackend.transact_write_items = _transact_write_items
    Table.query = _query_partition
    for _name in ("put_item", "get_item", "update_item", "delete_item", "query", "scan"):
        setattr(DynamoDBBackend, _name, _serialised(getattr(DynamoDBBackend, _name)))
else:
    print(
        "moto_server.py: this moto lacks the internals it patches; running it unpatched "
        "(slow and not thread-safe with large tables). Install moto 5.2: python3 -m pip install 'moto[server]~=5.2'",
        file=sys.stderr,
    )

class _RequestsWithSnsHeaders:
    """moto.sns.models' view of `requests`: an HTTP delivery carries the headers SNS sends with it."""

    def __getattr__(self, name):
        return getattr(requests, name)

    @staticmethod
    def post(url, json=None, headers=None, **kwargs):
        if isinstance(json, dict) and isinstance(json.get("Type"), str):
            headers = {
                **(headers or {}),
                "x-amz-sns-message-type": json["Type"],
                "x-amz-sns-message-id": str(json.get("MessageId", "")),
                "x-amz-sns-topic-arn": str(json.get("TopicArn", "")),
            }
        return requests.post(url, json=json, headers=headers, **kwargs)


if hasattr(sns_models, "requests"):
    sns_models.requests = _RequestsWithSnsHeaders()
else:
    print(
        "moto_server.py: this moto delivers SNS over HTTP without requests; local notices will be refused "
        "for want of the x-amz-sns-* headers. Install moto 5.2: python3 -m pip install 'moto[server]~=5.2'",
        file=sys.stderr,
    )

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
