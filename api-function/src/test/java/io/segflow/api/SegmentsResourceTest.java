package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.segflow.api.support.UserFixtures;
import io.segflow.core.redis.RedisKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class SegmentsResourceTest {

    @Inject
    RedisDataSource redis;

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON);
    }

    private static String newId() {
        return "seg-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void createReadUpdateDelete() {
        String id = newId();
        long revision = revision();
        admin().body("{\"name\":\"Cart lovers\",\"condition\":\"count(\\\"add_to_cart\\\") >= 2\"}")
                .when().put("/v1/segments/" + id)
                .then().statusCode(201).body("id", equalTo(id)).body("enabled", equalTo(true));
        org.assertj.core.api.Assertions.assertThat(revision()).isGreaterThan(revision);

        admin().when().get("/v1/segments/" + id)
                .then().statusCode(200).body("name", equalTo("Cart lovers"))
                .body("condition", equalTo("count(\"add_to_cart\") >= 2"));
        admin().when().get("/v1/segments").then().statusCode(200).body("segments.id", hasItem(id));

        admin().body("{\"condition\":\"traits.plan == \\\"pro\\\"\",\"enabled\":false}")
                .when().put("/v1/segments/" + id)
                .then().statusCode(200).body("enabled", equalTo(false)).body("name", equalTo(id));
        admin().body("{\"name\":\" \",\"condition\":\"true\"}").when().put("/v1/segments/" + id)
                .then().statusCode(200).body("name", equalTo(id));

        admin().when().delete("/v1/segments/" + id).then().statusCode(204);
        admin().when().get("/v1/segments/" + id).then().statusCode(404).body("field", equalTo("id"));
        admin().when().delete("/v1/segments/" + id).then().statusCode(404);
        admin().when().get("/v1/segments").then().body("segments.id", not(hasItem(id)));
    }

    @Test
    void deletingAnUnknownSegmentLeavesTheCatalogRevisionAlone() {
        long revision = revision();
        admin().when().delete("/v1/segments/" + newId()).then().statusCode(404).body("field", equalTo("id"));
        // A new revision would make every partition of segment-function re-evaluate all its users.
        org.assertj.core.api.Assertions.assertThat(revision()).isEqualTo(revision);
    }

    @Test
    void aBadConditionIsRefusedWithCelsMessageAndPosition() {
        String id = newId();
        admin().body("{\"condition\":\"count(\\\"a\\\") >= \"}")
                .when().put("/v1/segments/" + id)
                .then().statusCode(400)
                .body("error", equalTo("invalid_condition"))
                .body("field", equalTo("condition"))
                .body("line", equalTo(1))
                .body("column", greaterThan(1));
        admin().body("{\"condition\":\"nosuch(1)\"}")
                .when().put("/v1/segments/" + id)
                .then().statusCode(400).body("reason", org.hamcrest.Matchers.containsString("nosuch"));
        admin().when().get("/v1/segments/" + id).then().statusCode(404);
    }

    @Test
    void aDurationOrTimestampLiteralCelCannotReadIsRefusedAtSave() {
        // CEL would fail it at every evaluation: the segment would hold for nobody, with no word at save.
        String id = newId();
        admin().body("{\"condition\":\"now - lastSeen > duration(\\\"7 days\\\")\"}")
                .when().put("/v1/segments/" + id)
                .then().statusCode(400).body("error", equalTo("invalid_condition")).body("field", equalTo("condition"))
                .body("reason", org.hamcrest.Matchers.containsString("7 days")).body("column", equalTo(27));
        admin().body("{\"condition\":\"firstSeen < timestamp(\\\"yesterday\\\")\"}")
                .when().put("/v1/segments/" + id)
                .then().statusCode(400).body("error", equalTo("invalid_condition"))
                .body("reason", org.hamcrest.Matchers.containsString("yesterday"));
        admin().body("{\"condition\":\"now - lastSeen > duration(\\\"7d\\\") && firstSeen > timestamp(\\\"2026-01-01T00:00:00Z\\\")\"}")
                .when().put("/v1/segments/" + id).then().statusCode(201);
    }

    @Test
    void aSegmentReadingOneNoOneDefinedIsSavedWithAWarningNamingIt() {
        // inSegment of a typo is false for everyone: say so, as a trigger on an undefined segment does.
        String id = newId();
        String missing = newId();
        admin().body("{\"condition\":\"inSegment(\\\"" + missing + "\\\") && count(\\\"x\\\") > 1\"}")
                .when().put("/v1/segments/" + id)
                .then().statusCode(201).body("warnings.field", contains("condition"))
                .body("warnings[0].reason", org.hamcrest.Matchers.containsString(missing));
        admin().body("{\"condition\":\"true\"}").when().put("/v1/segments/" + missing).then().statusCode(201)
                .body("warnings", org.hamcrest.Matchers.nullValue());
        admin().body("{\"condition\":\"inSegment(\\\"" + missing + "\\\")\"}").when().put("/v1/segments/" + id)
                .then().statusCode(200).body("warnings", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void inSegmentCyclesAreRefusedAtSave() {
        String a = newId();
        String b = newId();
        admin().body("{\"condition\":\"inSegment(\\\"" + b + "\\\")\"}").when().put("/v1/segments/" + a).then().statusCode(201);
        admin().body("{\"condition\":\"inSegment(\\\"" + a + "\\\") && count(\\\"x\\\") > 1\"}")
                .when().put("/v1/segments/" + b)
                .then().statusCode(400).body("error", equalTo("invalid_condition"))
                .body("reason", org.hamcrest.Matchers.containsString("cycle"));
        admin().body("{\"condition\":\"!inSegment(\\\"" + a + "\\\")\"}").when().put("/v1/segments/" + a)
                .then().statusCode(400);
        admin().body("{\"condition\":\"count(\\\"x\\\") > 1\"}").when().put("/v1/segments/" + b).then().statusCode(201);
    }

    @Test
    void badRequestsNameTheField() {
        admin().body("{\"name\":\"x\"}").when().put("/v1/segments/" + newId())
                .then().statusCode(400).body("field", equalTo("condition"));
        admin().body("{\"condition\": ").when().put("/v1/segments/" + newId())
                .then().statusCode(400).body("field", equalTo("$"));
        admin().body("{\"condition\":\"true\",\"enabled\":\"yes\"}").when().put("/v1/segments/" + newId())
                .then().statusCode(400).body("field", equalTo("enabled"));
        admin().body("{\"condition\":\"true\"}").when().put("/v1/segments/bad%20id")
                .then().statusCode(400).body("field", equalTo("id"));
        // Dropped, a misspelled "enabled": false would leave the segment enabled.
        String id = newId();
        admin().body("{\"condition\":\"true\",\"enabeld\":false}").when().put("/v1/segments/" + id)
                .then().statusCode(400).body("error", equalTo("invalid_request")).body("field", equalTo("enabeld"));
        admin().when().get("/v1/segments/" + id).then().statusCode(404);
        admin().body("{\"condition\":\"true\"}").when().put("/v1/segments/" + id).then().statusCode(201);
        String answered = admin().when().get("/v1/segments/" + id).then().statusCode(200).extract().asString();
        admin().body(answered).when().put("/v1/segments/" + id).then().statusCode(200);
    }

    @Test
    void adminCallsNeedTheAdminKey() {
        given().when().get("/v1/segments").then().statusCode(401).body("field", equalTo("Authorization"));
        given().header("Authorization", "Bearer wrong").contentType(ContentType.JSON).body("{\"condition\":\"true\"}")
                .when().put("/v1/segments/" + newId()).then().statusCode(401);
    }

    @Test
    void aSegmentShowsHowFarTheBackfillOfItsCatalogWent() {
        String id = newId();
        admin().body("{\"condition\":\"count(\\\"Product Viewed\\\", \\\"7d\\\") >= 3\"}").when().put("/v1/segments/" + id)
                .then().statusCode(201);
        long revision = revision();
        redis.value(String.class).set(RedisKeys.EVENT_PARTITIONS, Integer.toString(UserFixtures.PARTITIONS));
        for (int partition = 0; partition < UserFixtures.PARTITIONS; partition++) {
            String progress = partition == 0 ? revision + " 1234" : revision + " done";
            redis.hash(String.class).hset(RedisKeys.partitionState(partition), RedisKeys.BACKFILL_FIELD, progress);
        }

        admin().when().get("/v1/segments/" + id).then().statusCode(200)
                .body("backfill.state", equalTo("running")).body("backfill.revision", equalTo((int) revision))
                .body("backfill.partitionsDone", equalTo(UserFixtures.PARTITIONS - 1))
                .body("backfill.partitions", equalTo(UserFixtures.PARTITIONS));

        redis.hash(String.class).hset(RedisKeys.partitionState(0), RedisKeys.BACKFILL_FIELD, revision + " done");
        admin().when().get("/v1/segments/" + id).then().statusCode(200)
                .body("backfill.state", equalTo("complete")).body("backfill.partitionsDone", equalTo(UserFixtures.PARTITIONS));
        admin().when().get("/v1/segments").then().statusCode(200).body("segments.find { it.id == '" + id + "' }.backfill.state",
                equalTo("complete"));
    }

    private long revision() {
        Long value = redis.value(Long.class).get(RedisKeys.SEGMENTS_REVISION);
        return value == null ? 0 : value;
    }
}
