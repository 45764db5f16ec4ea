"""Conditional writes stay atomic when handlers run concurrently, as on DynamoDB."""

from __future__ import annotations

import threading

from kroless.localcloud.aws import LocalAws


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
