package io.segflow.core.trigger;

import java.net.URI;
import java.util.List;

/** What a firing does. Every action is delivered at least once, with the firing's stable id. */
public sealed interface TriggerAction
        permits TriggerAction.Webhook, TriggerAction.Kafka, TriggerAction.Segment, TriggerAction.CloudEvents {

    String type();

    /** An HTTP POST signed as Standard Webhooks says; several secrets sign at once while one rotates. */
    record Webhook(URI url, List<String> secrets) implements TriggerAction {
        @Override
        public String type() {
            return "webhook";
        }
    }

    /** The trigger record, keyed by user, on {@code topic}. */
    record Kafka(String topic) implements TriggerAction {
        @Override
        public String type() {
            return "kafka";
        }
    }

    /** A Segment-spec call ({@code Audience Entered}/{@code Exited}) to {@code url}/v1/track of any Segment-compatible collector. */
    record Segment(URI url, String writeKey) implements TriggerAction {
        @Override
        public String type() {
            return "segment";
        }
    }

    /** A CloudEvent in binary mode, e.g. to a Knative Broker. */
    record CloudEvents(URI url) implements TriggerAction {
        @Override
        public String type() {
            return "cloudevents";
        }
    }
}
