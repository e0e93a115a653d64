// Boots the built image the way urunc would, from what the image and the deploy files say, and answers
// the test events. urunc (urunc-dev/urunc @efbd251): pkg/unikontainers/config.go (urunc.json, base64),
// unikontainers.go Exec (process args before the cmdline key; memory from the container's limit),
// unikernels/unikraft.go (the Unikraft command line below 0.16.1), hypervisors/qemu.go (the QEMU line).
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import java.util.concurrent.TimeUnit

def target = new File(basedir, 'target')
def run = { List<String> cmd ->
    def p = cmd.execute()
    def out = new StringBuffer(), err = new StringBuffer()
    p.consumeProcessOutput(out, err)
    assert p.waitFor(120, TimeUnit.SECONDS) : 'timed out: ' + cmd
    assert p.exitValue() == 0 : cmd.join(' ') + '\n' + out + err
    out.toString()
}

// 1. The container's rootfs, as containerd unpacks the image for urunc.
def tar = new File(target, 'urunc-boot-1.oci.tar')
def layout = new File(target, 'urunc-layout')
layout.mkdirs()
run(['tar', 'xf', tar.path, '-C', layout.path])
def rootfs = new File(target, 'urunc-rootfs')
run(['umoci', 'raw', 'unpack', '--rootless', '--image', layout.path + ':1', rootfs.path])

// 2. urunc's config: /urunc.json, every value base64 (config.go decode()).
def conf = new JsonSlurper().parse(new File(rootfs, 'urunc.json')).collectEntries { k, v ->
    [(k - 'com.urunc.unikernel.'): new String(v.decodeBase64(), 'UTF-8')]
}
assert conf.unikernelType == 'unikraft' && conf.hypervisor == 'qemu' : conf
assert conf.unikernelVersion == '0.13.1' : 'below 0.16.1: urunc sends the netdev.ipv4_* parameters ' + conf
assert conf.cmdline.startsWith('python ') && conf.cmdline.endsWith(' --port 8123') && !conf.cmdline.contains('netdev.') \
    && !(' ' + conf.cmdline + ' ').contains(' -- ') : 'the app part of the kernel args only: ' + conf
def kernel = new File(rootfs, conf.binary)
def imageInitrd = new File(rootfs, conf.initrd)
assert kernel.isFile() && imageInitrd.isFile() : conf

// 3. The pod: the Deployment's command (urunc takes the process args before the cmdline key) and memory limit.
def deployment = new File(target, 'unikernel/deploy/deployment.yaml').readLines()
def at = deployment.findIndexOf { it.trim() == '- command:' }
assert at >= 0 : 'the Deployment sets the command'
def command = []
for (line in deployment.drop(at + 1)) {
    def m = line =~ /^\s+- "?([^"]*)"?$/
    if (!m.find()) break
    command << m.group(1)
}
assert command == conf.cmdline.split(/\s+/) as List : 'pod command and urunc cmdline agree: ' + command
def limit = deployment.find { it.trim().startsWith('memory:') }.trim() - 'memory: '
def units = [M: 1000L * 1000, Mi: 1024L * 1024, G: 1000L * 1000 * 1000, Gi: 1024L * 1024 * 1024]
def lm = limit =~ /^(\d+)(Mi|Gi|M|G)$/
assert lm.matches() : 'memory limit ' + limit
long limitBytes = (lm.group(1) as long) * units[lm.group(2)]
def memMb = Long.toString(limitBytes.intdiv(1000L * 1000)) // hypervisors/utils.go bytesToStringMB
assert memMb == '256' : 'unikernel.memory 256 MiB reaches QEMU as -m 256M: ' + limit

// 4. The Unikraft command line, as unikraft.go CommandString builds it (compat args, initrd root). The
// process environment becomes env.vars (containerd's default PATH here). The addresses are the pod's eth0
// under urunc; here QEMU user networking's, which the CI test guest configures.
def env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']
def append = String.format('%s %s %s %s %s %s -- %s', command[0], 'env.vars=[ ' + env.join(' ') + ' ]',
        'netdev.ipv4_addr=10.0.2.15', 'netdev.ipv4_gw_addr=10.0.2.2', 'netdev.ipv4_subnet_mask=255.255.255.0',
        'vfs.rootfs=initrd', command.drop(1).join(' '))
assert append.count(' -- ') == 1 && append.count('netdev.ipv4_addr=') == 1 : 'no clash: ' + append

// 5. The QEMU line of qemu.go Execve, in its order. What differs here, and why:
//  - `-cpu host -enable-kvm` -> `-accel tcg -cpu max`: KVM cannot run guests on the CI machine;
//  - `-net tap,...,ifname=tap0_urunc` -> `-net user,hostfwd=...`: no tap or pod network namespace here,
//    QEMU's user network on 127.0.0.1 instead (same `-net nic,model=virtio` device);
//  - paths: urunc runs QEMU chrooted in the container rootfs; here they are under the unpacked rootfs;
//  - the CI test kernel is Linux, not Unikraft: its own parameters go before urunc's line, its busybox
//    initramfs before the image's initrd (one file: Linux takes one -initrd), its qemuArgs (q35, the host's
//    /usr over 9p for python3) after; `-no-reboot` turns its panic into QEMU's exit; `-name` tags it.
def props = new Properties()
new File(testKernelDir, 'kernel-bundle.properties').withInputStream { props.load(it) }
def port = new ServerSocket(0, 1, InetAddress.getByName('127.0.0.1')).withCloseable { it.localPort }
def initrd = new File(target, 'urunc-initrd.img')
initrd.withOutputStream { out ->
    out << new File(testKernelDir, props.getProperty('initrd')).bytes
    out << imageInitrd.bytes
}
def qemu = ['qemu-system-x86_64', '-m', memMb + 'M', '-L', '/usr/share/qemu', '-accel', 'tcg', '-cpu', 'max',
        '-nographic', '-vga', 'none',
        '--sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny',
        '-kernel', kernel.path,
        '-net', 'nic,model=virtio', '-net', "user,hostfwd=tcp:127.0.0.1:${port}-:8123".toString(),
        '-initrd', initrd.path]
qemu += props.getProperty('qemuArgs').trim().split(/\s+/) as List
qemu += ['-no-reboot', '-name', 'unikernel-faas:' + basedir.name]
qemu += ['-append', props.getProperty('kernelArgs').replace('{guestPort}', '8123') + ' ' + append]
new File(target, 'urunc-qemu-command.txt').text = qemu.join('\n') + '\n'

def console = new File(target, 'urunc-console.log')
def vm = new ProcessBuilder(qemu).redirectErrorStream(true).redirectOutput(console).start()
try {
    // Ready: /health answers 200 (the Deployment's probes), within 180 s under TCG.
    def deadline = System.currentTimeMillis() + 180_000
    def ready = false
    while (!ready) {
        assert vm.alive : 'QEMU exited ' + vm.exitValue() + ':\n' + console.text
        assert System.currentTimeMillis() < deadline : 'no answer on /health within 180 s:\n' + console.text
        try {
            def c = new URL("http://127.0.0.1:${port}/health").openConnection()
            c.connectTimeout = 2000
            c.readTimeout = 2000
            ready = c.responseCode == 200
        } catch (IOException ignored) {
            Thread.sleep(250)
        }
    }
    def events = new File(basedir, 'src/test/events').listFiles().findAll {
        it.name.endsWith('.json') && !it.name.endsWith('.expected.json')
    }.sort { it.name }
    assert events.size() == 2
    for (event in events) {
        def c = new URL("http://127.0.0.1:${port}/").openConnection()
        c.requestMethod = 'POST'
        c.doOutput = true
        c.connectTimeout = 5000
        c.readTimeout = 30000
        c.setRequestProperty('Content-Type', 'application/json')
        c.outputStream.withCloseable { it << event.bytes }
        assert c.responseCode == 200 : event.name + ': HTTP ' + c.responseCode
        def got = new JsonSlurper().parse(c.inputStream)
        def expected = new JsonSlurper().parse(new File(event.parentFile, event.name - '.json' + '.expected.json'))
        assert got == expected : event.name + ': ' + JsonOutput.toJson(got)
        println 'urunc-boot: PASS ' + event.name
    }
} finally {
    vm.destroy()
    if (!vm.waitFor(15, TimeUnit.SECONDS)) {
        vm.destroyForcibly().waitFor(15, TimeUnit.SECONDS)
    }
}
assert console.text.contains('init: fs0 came with the initramfs (initrd root)')
def log = new File(basedir, 'build.log').text
assert log.contains('urunc passes its own network and rootfs parameters and not these kernel arguments')
evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
