package io.mqttbridge.api.auth;

import com.password4j.Password;
import com.sun.net.httpserver.HttpServer;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.testing.net.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A dashboard page on another origin calling the REST API from a real browser (Debian's Chromium,
 * headless): the browser sends the preflight for the {@code Authorization} header itself and hands
 * the page the answer only if the API allowed that origin. Two page servers on two ports are two
 * origins; only the first is in {@code apiCors.allowedOrigins}.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ApiCorsBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getProperty("console.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("console.chromedriver", "/usr/bin/chromedriver"));
    private static final String READER_TOKEN = "reader-token-for-the-dashboard";
    private static final int ALLOWED_PAGE_PORT = FreePorts.pick();

    static final DropwizardAppExtension<BridgeConfiguration> APP = new DropwizardAppExtension<>(
            ApiConventionsTest.ProbeApplication.class, ApiConventionsTestSupport.writeConfig(
                    TokenAuthenticator.sha256Hex(READER_TOKEN), Password.hash("unused-admin").withBcrypt().getResult(),
                    "apiCors:\n  allowedOrigins: ['http://127.0.0.1:" + ALLOWED_PAGE_PORT + "']\n"));

    private static ChromeDriver browser;
    private static HttpServer allowedPages;
    private static HttpServer otherPages;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium and chromedriver are needed (apt-get install chromium chromium-driver); .ci/run installs them");
        allowedPages = dashboardServer(ALLOWED_PAGE_PORT);
        otherPages = dashboardServer(0);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build(), options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        for (HttpServer server : new HttpServer[] {allowedPages, otherPages}) {
            if (server != null) {
                server.stop(0);
            }
        }
    }

    /** Serves a page that fetches the API with its bearer token and writes what it got into its body. */
    private static HttpServer dashboardServer(int port) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", exchange -> {
            String api = "http://127.0.0.1:" + APP.getLocalPort() + "/api/v1/probe";
            byte[] page = ("<!doctype html><html><body><script>"
                    + "fetch('" + api + "', {headers: {Authorization: 'Bearer " + READER_TOKEN + "'}})"
                    + ".then(r => r.json()).then(j => document.body.dataset.result = 'read ' + j.ok)"
                    + ".catch(e => document.body.dataset.result = 'refused ' + e.name);"
                    + "</script></body></html>").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static String resultOfThePageAt(HttpServer pages) {
        browser.get("http://127.0.0.1:" + pages.getAddress().getPort() + "/dashboard");
        return await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(
                () -> (String) browser.executeScript("return document.body.dataset.result"), result -> result != null);
    }

    @Test
    void aPageOfAnAllowedOriginReadsTheAnswerAndAPageOfAnotherOriginCannot() {
        assertThat(resultOfThePageAt(allowedPages)).isEqualTo("read read");
        assertThat(resultOfThePageAt(otherPages)).isEqualTo("refused TypeError");
    }
}
