// A DNS responder for this IT, in the invoker's JVM while the build runs: A records for fn.ukfaas-it.test only,
// an empty answer for its other types, NXDOMAIN for any other name. Each query is logged to dns-queries.txt;
// verify.groovy stops it (dns-stop) and checks the log.
//
// Why UDP 127.0.0.1:53: resolvers (musl's in the unikernel, glibc's in the CI test guest) only ask port 53 and
// the guest side cannot be told another. QEMU's user network hands the guest's UDP to 10.0.2.2:53 to the
// host's 127.0.0.1:53 (10.0.2.3 goes to the host's own resolvers instead); its guestfwd rules are TCP only,
// and musl never falls back to DNS over TCP, so this is the one path that tests what the unikernel does.
// Port 53 needs root (CI runs as root): a bind that fails says so and fails the IT.
import java.nio.ByteBuffer

def queries = new File(basedir, 'dns-queries.txt')
queries.text = ''
def stop = new File(basedir, 'dns-stop')
stop.delete()
def socket = null
String lastProblem = null
long bindDeadline = System.nanoTime() + 120_000_000_000L // another checkout's run of this IT may hold the port
while (socket == null) {
    try {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName('127.0.0.1'), 53))
    } catch (SocketException e) {
        lastProblem = e.message
        if (System.nanoTime() > bindDeadline) {
            throw new IllegalStateException('The dns-resolve IT needs UDP 127.0.0.1:53 (the guest reaches it as'
                    + ' 10.0.2.2:53; resolvers ask no other port), which needs root and a free port 53: ' + lastProblem)
        }
        Thread.sleep(1000)
    }
}
socket.soTimeout = 500
def answer = { byte[] q, int length ->
    def in_ = ByteBuffer.wrap(q, 0, length)
    short id = in_.getShort()
    in_.getShort() // flags
    if (in_.getShort() != 1) {
        return null
    }
    in_.position(12)
    def labels = []
    int n
    while ((n = in_.get() & 0xff) != 0) {
        byte[] label = new byte[n]
        in_.get(label)
        labels << new String(label, 'US-ASCII')
    }
    int qtype = in_.getShort() & 0xffff
    in_.getShort() // class
    int questionEnd = in_.position()
    String name = labels.join('.').toLowerCase()
    queries.append(name + ' ' + qtype + '\n')
    boolean ours = name == 'fn.ukfaas-it.test'
    boolean a = ours && qtype == 1
    def out = ByteBuffer.allocate(questionEnd + 16)
    out.putShort(id)
    out.putShort((short) (ours ? 0x8180 : 0x8183)) // response, recursion desired and available; NXDOMAIN if not ours
    out.putShort((short) 1).putShort((short) (a ? 1 : 0)).putShort((short) 0).putShort((short) 0)
    out.put(q, 12, questionEnd - 12)
    if (a) {
        out.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(60).putShort((short) 4)
        out.put([198, 51, 100, 7] as byte[])
    }
    Arrays.copyOf(out.array(), out.position())
}
Thread.startDaemon('dns-resolve-it-responder') {
    long end = System.nanoTime() + 1_800_000_000_000L // 30 min at most, should verify.groovy never run
    def buf = new byte[512]
    try {
        while (!stop.exists() && System.nanoTime() < end) {
            def packet = new DatagramPacket(buf, buf.length)
            try {
                socket.receive(packet)
            } catch (SocketTimeoutException e) {
                continue
            }
            try {
                byte[] reply = answer(packet.data, packet.length)
                if (reply != null) {
                    socket.send(new DatagramPacket(reply, reply.length, packet.socketAddress))
                }
            } catch (Exception e) {
                queries.append('bad query: ' + e + '\n')
            }
        }
    } finally {
        socket.close()
    }
}
true
