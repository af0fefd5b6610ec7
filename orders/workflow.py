"""The order workflow state machine (Amazon States Language), provisioned by bootstrap_aws.

Its one task reports the order's move to "shipping" back to the app over the events queue
(an `sqs:sendMessage` service integration); the events process applies the transition.
"""

import json

SHIPPING_MESSAGE_TYPE = "order.shipping"


def definition(events_queue_url: str) -> str:
    return json.dumps(
        {
            "Comment": "Drive a placed order to shipping.",
            "StartAt": "ReportShipping",
            "States": {
                "ReportShipping": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage",
                    "Parameters": {
                        "QueueUrl": events_queue_url,
                        "MessageBody": {
                            "type": SHIPPING_MESSAGE_TYPE,
                            "orderId.$": "$.orderId",
                        },
                    },
                    "Retry": [
                        {
                            "ErrorEquals": ["States.ALL"],
                            "IntervalSeconds": 2,
                            "MaxAttempts": 5,
                            "BackoffRate": 2.0,
                        }
                    ],
                    "End": True,
                }
            },
        },
        sort_keys=True,
    )
