package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.equalToIgnoringCase;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.testkit.KafkaAndRedisResource;
import org.junit.jupiter.api.Test;

/** The JS client and the demo are revalidated on every use, so a browser sees an upgrade at once, at the cost of a 304. */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class ClientFileCachingTest {

    @Test
    void theClientAndTheDemoAreRevalidatedByTheirContentsTag() {
        for (String path : new String[] {"/segflow.js", "/demo/", "/demo/demo.js"}) {
            String etag = given().when().get(path).then().statusCode(200)
                    .header("Cache-Control", equalTo("no-cache")).header("Last-Modified", notNullValue())
                    .body(not(emptyString())).extract().header("ETag");
            assertThat(etag).as(path).matches("\"[0-9a-f]{24}\"");

            given().header("If-None-Match", etag).when().get(path).then().statusCode(304)
                    .header("ETag", equalTo(etag)).header("Cache-Control", equalTo("no-cache"));
            // Another version's tag: the file as it is now.
            given().header("If-None-Match", "\"0123456789abcdef01234567\"").when().get(path).then().statusCode(200)
                    .body(not(emptyString()));
        }
    }

    @Test
    void theClientAndTheDemoVaryOnTheOriginTheirCorsHeadersEcho() {
        String site = "https://shop.example";
        for (String path : new String[] {"/segflow.js", "/demo/"}) {
            // Compressed when asked: what it varies on already stays.
            String etag = given().header("Origin", site).header("Accept-Encoding", "gzip").when().get(path).then()
                    .statusCode(200).header("Access-Control-Allow-Origin", equalTo(site))
                    .header("Vary", equalToIgnoringCase("accept-encoding, Origin"))
                    .extract().header("ETag");
            given().header("Origin", site).header("If-None-Match", etag).when().get(path).then().statusCode(304)
                    .header("Access-Control-Allow-Origin", equalTo(site)).header("Vary", containsString("Origin"));
        }
    }

    @Test
    void eachFileHasATagOfItsOwn() {
        String client = given().when().get("/segflow.js").then().extract().header("ETag");
        String demo = given().when().get("/demo/demo.js").then().extract().header("ETag");
        assertThat(client).isNotEqualTo(demo);
    }
}
