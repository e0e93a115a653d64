// The wheel index this IT installs from.
evaluate(new File(itCommon, 'make-shout-wheel.groovy'))(basedir)

// quiet 1.0 needs hush only on Python < 3.8, as PyJWT 2.8.0 needs typing-extensions: the host's pip (3.11)
// leaves it out, the build must install it for the 3.7 guest.
import java.util.zip.*

def wheel = { String name, List<String> requires ->
    def info = "${name}-1.0.dist-info"
    def files = [
        ("${name}/__init__.py".toString())  : "NAME = '${name}'\n".toString(),
        ("${info}/METADATA".toString())     : "Metadata-Version: 2.1\nName: ${name}\nVersion: 1.0\n".toString()
                + requires.collect { "Requires-Dist: ${it}\n" }.join(''),
        ("${info}/WHEEL".toString())        : 'Wheel-Version: 1.0\nGenerator: it\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
    ]
    files["${info}/RECORD".toString()] = (files.keySet() + ["${info}/RECORD".toString()]).collect { it + ',,' }.join('\n') + '\n'
    new ZipOutputStream(new FileOutputStream(new File(basedir, "wheels/${name}-1.0-py3-none-any.whl"))).withCloseable { zip ->
        files.each { path, text ->
            zip.putNextEntry(new ZipEntry(path))
            zip.write(text.getBytes('UTF-8'))
            zip.closeEntry()
        }
    }
}
wheel('quiet', ['hush; python_version < "3.8"'])
wheel('hush', [])
true
