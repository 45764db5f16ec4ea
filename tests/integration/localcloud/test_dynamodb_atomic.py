"""Conditional writes stay atomic when handlers run concurrently, as on DynamoDB."""

from __future__ import annotations

import threading

from kroless_cli.localcloud.aws import LocalAws


def test_only_one_of_many_concurrent_conditional_puts_wins() -> None:
    with LocalAws() as aws:
        dynamodb = aws.client("dynamodb")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        wins: list[int] = []
        start = threading.Barrier(16)

        def claim(n: int) -> None:
            client = aws.client("dynamodb")
            start.wait()
            try:
                client.put_item(
                    TableName="t",
                    Item={"pk": {"S": "heal"}, "by": {"N": str(n)}},
                    ConditionExpression="attribute_not_exists(pk)",
                )
                wins.append(n)
            except client.exceptions.ConditionalCheckFailedException:
                pass

        threads = [threading.Thread(target=claim, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(wins) == 1
        item = dynamodb.get_item(TableName="t", Key={"pk": {"S": "heal"}})["Item"]
        assert item["by"]["N"] == str(wins[0])


def test_a_read_never_sees_an_item_an_update_is_still_creating() -> None:
    """moto's UpdateItem stores a new item's key before its attributes; DynamoDB never shows that state."""
    with LocalAws() as aws:
        dynamodb = aws.client("dynamodb")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        done = threading.Event()
        partial: list[dict[str, object]] = []

        def write() -> None:
            client = aws.client("dynamodb")
            for n in range(300):
                client.update_item(
                    TableName="t",
                    Key={"pk": {"S": "instance"}, "sk": {"S": f"NODE#{n:04d}"}},
                    UpdateExpression="SET generation = :g, #s = :s",
                    ExpressionAttributeNames={"#s": "state"},
                    ExpressionAttributeValues={":g": {"N": "1"}, ":s": {"S": "SYNCED"}},
                )
            done.set()

        def read() -> None:
            client = aws.client("dynamodb")
            while not done.is_set():
                items = client.query(
                    TableName="t",
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": {"S": "instance"}},
                )["Items"]
                partial.extend(item for item in items if "generation" not in item)

        threads = [threading.Thread(target=write), threading.Thread(target=read), threading.Thread(target=read)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert partial == []
