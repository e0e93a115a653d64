package io.github.unikernelfaas.invoke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ReportTest {
    @TempDir
    Path dir;

    private final TestRun run = new TestRun("unikernel.demo", "TCG", 6.25, List.of(
            new CaseResult("hello", true, 200, 12.5, null, "{\"greeting\":\"hi\"}"),
            new CaseResult("boom", false, 500, 3.0, "expected HTTP 200 but got 500: <err & \"x\">\u0001", "bad\u0000")));

    @Test
    void junitXmlHasOneTestcasePerCaseAndTheFailure() throws Exception {
        Path xml = dir.resolve("reports/TEST-unikernel.demo.xml");
        JUnitReport.write(run, xml);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        Element suite = doc.getDocumentElement();
        assertEquals("testsuite", suite.getTagName());
        assertEquals("2", suite.getAttribute("tests"));
        assertEquals("1", suite.getAttribute("failures"));
        assertEquals("0.016", suite.getAttribute("time"));
        NodeList cases = doc.getElementsByTagName("testcase");
        assertEquals(2, cases.getLength());
        assertEquals("hello", ((Element) cases.item(0)).getAttribute("name"));
        assertEquals("0.013", ((Element) cases.item(0)).getAttribute("time"));
        Element failure = (Element) ((Element) cases.item(1)).getElementsByTagName("failure").item(0);
        assertTrue(failure.getAttribute("message").contains("<err & \"x\">"), "special characters survive escaping");
        assertEquals(0, ((Element) cases.item(0)).getElementsByTagName("failure").getLength());
        assertTrue(doc.getElementsByTagName("property").getLength() >= 2);
    }

    @Test
    void resultsRoundTripForTheVerifyGoal() {
        Path file = dir.resolve("results.json");
        run.write(file);
        TestRun back = TestRun.read(file);
        assertEquals(run, back);
        assertEquals(1, back.failures());
        assertEquals("boom", back.failed().get(0).name());
    }

    @Test
    void summaryNamesEachCaseAndTheTotals() {
        List<String> lines = run.summary();
        assertTrue(lines.get(0).contains("6.25 s under TCG"), lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.contains("FAIL") && l.contains("boom")));
        assertEquals("Cases: 2, passed: 1, failed: 1", lines.get(lines.size() - 1));
    }

    @Test
    void reportWriteLeavesNoTempFile() throws Exception {
        JUnitReport.write(run, dir.resolve("r.xml"));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("r.xml")), files.toList());
        }
    }
}
