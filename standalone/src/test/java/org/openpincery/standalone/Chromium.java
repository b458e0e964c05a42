package org.openpincery.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One headless Chromium (Debian's {@code chromium} and {@code chromium-driver}; Selenium Manager is
 * never consulted, nothing is downloaded) with its own profile, so two of them are two people: no
 * cookie, storage or tab shared. The small vocabulary the control-plane tests speak.
 */
final class Chromium implements AutoCloseable {

  static final Path BINARY = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");

  final ChromeDriver driver;
  final WebDriverWait wait;
  private final int port;

  /**
   * Debian's browser and driver, headless, with its profile in {@code profile} and the page's
   * console kept (to assert that nothing was refused by the CSP or failed on the way).
   */
  static ChromeDriver launch(Path profile) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BINARY.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--user-data-dir=" + profile.toAbsolutePath());
    options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
    return new ChromeDriver(service, options);
  }

  /** A fresh browser whose profile (and downloads) live under {@code dir}. */
  Chromium(Path dir, int port) throws IOException {
    this.port = port;
    driver = launch(dir.resolve("profile"));
    wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    Path downloads = Files.createDirectories(dir.resolve("downloads"));
    driver.executeCdpCommand(
        "Browser.setDownloadBehavior",
        Map.of("behavior", "allow", "downloadPath", downloads.toAbsolutePath().toString()));
  }

  /** Where the browser saves what the page downloads. */
  static Path downloads(Path dir) {
    return dir.resolve("downloads");
  }

  void open(String fragment) {
    driver.get("http://127.0.0.1:" + port + "/" + fragment);
  }

  WebElement visible(String css) {
    return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
  }

  void gone(String css) {
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(css)));
  }

  void textAppears(String css, String text) {
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(css), text));
  }

  void type(String css, String text) {
    WebElement field = visible(css);
    field.clear();
    field.sendKeys(text);
  }

  void click(String css) {
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(css))).click();
  }

  /** A button that asks first: the first click arms it, the second acts. */
  void clickTwice(String css, String armedText) {
    click(css);
    textAppears(css, armedText);
    click(css);
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  Object js(String script) {
    return ((JavascriptExecutor) driver).executeScript(script);
  }

  /** The fields of the page no screen reader could name (no label, no aria-label). */
  Object unlabelledFields() {
    return js(
        "return [...document.querySelectorAll('input, select, textarea')]"
            + ".filter(el => el.type !== 'hidden')"
            + ".filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))"
            + ".map(el => el.id || el.name || el.outerHTML)");
  }

  String sessionToken() {
    return (String) js("return sessionStorage.getItem('openpincery.session')");
  }

  String url() {
    return driver.getCurrentUrl();
  }

  /** The console's warnings and errors (a refused CSP, a script error, a failed request). */
  List<String> consoleProblems() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.WARNING.intValue())
        .map(LogEntry::getMessage)
        .toList();
  }

  /** The whole page, beyond the window (Chromium's own full-page capture), as a PNG. */
  void screenshot(Path file) throws IOException {
    @SuppressWarnings("unchecked")
    Map<String, Object> size =
        (Map<String, Object>)
            driver.executeCdpCommand("Page.getLayoutMetrics", Map.of()).get("cssContentSize");
    Map<String, Object> clip =
        Map.of(
            "x",
            0,
            "y",
            0,
            "width",
            ((Number) size.get("width")).doubleValue(),
            "height",
            Math.min(8000, ((Number) size.get("height")).doubleValue()),
            "scale",
            1);
    Map<String, Object> shot =
        driver.executeCdpCommand(
            "Page.captureScreenshot",
            Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
  }

  @Override
  public void close() {
    driver.quit();
  }
}
