package io.github.unikernelfaas.invoke;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/** Writes a run as a Surefire/Failsafe-style JUnit XML file that CI servers pick up. */
public final class JUnitReport {
    private JUnitReport() {
    }

    public static void write(TestRun run, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
                x.writeStartDocument("UTF-8", "1.0");
                x.writeCharacters("\n");
                x.writeStartElement("testsuite");
                x.writeAttribute("name", run.suite());
                x.writeAttribute("tests", Integer.toString(run.cases().size()));
                x.writeAttribute("failures", Long.toString(run.failures()));
                x.writeAttribute("errors", "0");
                x.writeAttribute("skipped", "0");
                x.writeAttribute("time", seconds(run.cases().stream().mapToDouble(CaseResult::millis).sum()));
                x.writeCharacters("\n  ");
                x.writeStartElement("properties");
                property(x, "unikernel.accelerator", run.accelerator());
                property(x, "unikernel.bootSeconds", String.format(Locale.ROOT, "%.3f", run.bootSeconds()));
                x.writeEndElement();
                for (CaseResult c : run.cases()) {
                    x.writeCharacters("\n  ");
                    x.writeStartElement("testcase");
                    x.writeAttribute("name", xmlSafe(c.name()));
                    x.writeAttribute("classname", run.suite());
                    x.writeAttribute("time", seconds(c.millis()));
                    if (!c.passed()) {
                        x.writeStartElement("failure");
                        x.writeAttribute("message", xmlSafe(c.message()));
                        x.writeAttribute("type", "unikernel.EventCaseFailure");
                        x.writeCharacters(xmlSafe(c.message()));
                        x.writeEndElement();
                    }
                    x.writeStartElement("system-out");
                    x.writeCharacters(xmlSafe("HTTP " + c.status() + "\n" + c.output()));
                    x.writeEndElement();
                    x.writeEndElement();
                }
                x.writeCharacters("\n");
                x.writeEndElement();
                x.writeCharacters("\n");
                x.writeEndDocument();
                x.close();
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the test report " + file, e);
        } catch (XMLStreamException e) {
            throw new IllegalStateException("Could not write the test report " + file, e);
        }
    }

    private static void property(XMLStreamWriter x, String name, String value) throws XMLStreamException {
        x.writeEmptyElement("property");
        x.writeAttribute("name", name);
        x.writeAttribute("value", value);
    }

    /** XML 1.0 cannot carry most control characters, which handler output may contain. */
    static String xmlSafe(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            boolean ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF)
                    || (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
            if (ok) {
                sb.appendCodePoint(cp);
            } else {
                sb.append("\\u").append(String.format("%04x", cp));
            }
        });
        return sb.toString();
    }

    private static String seconds(double millis) {
        return String.format(Locale.ROOT, "%.3f", millis / 1000.0);
    }
}
