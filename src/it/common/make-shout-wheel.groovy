// Shared by the ITs' setup.groovy: `evaluate(new File(itCommon, 'make-shout-wheel.groovy'))(basedir)` builds a
// pure-Python wheel (shout 1.0, py3-none-any) into <basedir>/wheels/ for pip --find-links.
import java.util.zip.*

return { File basedir ->
def files = [
    'shout/__init__.py'                  : 'def shout(text):\n    return text.upper() + "!"\n',
    'shout-1.0.dist-info/METADATA'       : 'Metadata-Version: 2.1\nName: shout\nVersion: 1.0\n',
    'shout-1.0.dist-info/WHEEL'          : 'Wheel-Version: 1.0\nGenerator: it\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
]
files['shout-1.0.dist-info/RECORD'] = (files.keySet() + ['shout-1.0.dist-info/RECORD']).collect { it + ',,' }.join('\n') + '\n'
def dir = new File(basedir, 'wheels')
dir.mkdirs()
new ZipOutputStream(new FileOutputStream(new File(dir, 'shout-1.0-py3-none-any.whl'))).withCloseable { zip ->
    files.each { name, text ->
        zip.putNextEntry(new ZipEntry(name))
        zip.write(text.getBytes('UTF-8'))
        zip.closeEntry()
    }
}
true
}
