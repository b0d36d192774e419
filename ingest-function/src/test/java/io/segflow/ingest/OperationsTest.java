package io.segflow.ingest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.segflow.testkit.KafkaAndRedisResource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What operators see of ingest's Kafka producer: the readiness check and the {@code kafka_producer_*} metrics. */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class OperationsTest {

    @Test
    void readyOnceTheProducerIsConnected() {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().when().get("/q/health/ready").statusCode() == 200);
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("checks.name", hasItem("kafka"));
    }

    @Test
    void producerMetricsArePublished() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON).body("{\"userId\":\"metrics-user\",\"event\":\"e\"}")
                .when().post("/v1/track").then().statusCode(200);
        given().when().get("/q/metrics").then()
                .statusCode(200)
                .body(containsString("kafka_producer_record_send_total"));
    }
}
