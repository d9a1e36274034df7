import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.nio.ByteBuffer;
import java.security.ProtectionDomain;

/**
 * Lab-only Java agent: lowers the 65535 open-file threshold of OpenSearch's
 * FileDescriptorCheck to the number given as the agent argument, and changes nothing else.
 * Lab containers cannot raise their hard RLIMIT_NOFILE above 20000 and OpenSearch offers no
 * setting for this one threshold. The class is left untouched (so the check keeps 65535 and
 * the node refuses to start) unless the constant pool holds the integer 65535 exactly once.
 */
public final class LabFileDescriptorThreshold implements ClassFileTransformer {
    private static final String TARGET = "org/opensearch/bootstrap/BootstrapChecks$FileDescriptorCheck";
    private static final int ORIGINAL = 65535;
    private final int threshold;

    private LabFileDescriptorThreshold(int threshold) {
        this.threshold = threshold;
    }

    public static void premain(String argument, Instrumentation instrumentation) {
        int threshold = Integer.parseInt(argument == null ? "" : argument.trim());
        if (threshold <= 0 || threshold >= ORIGINAL) {
            throw new IllegalArgumentException("threshold must be between 1 and " + (ORIGINAL - 1));
        }
        instrumentation.addTransformer(new LabFileDescriptorThreshold(threshold));
    }

    @Override
    public byte[] transform(ClassLoader loader, String name, Class<?> redefined,
                            ProtectionDomain domain, byte[] classFile) {
        if (!TARGET.equals(name)) {
            return null;
        }
        int[] offsets;
        try {
            offsets = integerConstants(classFile, ORIGINAL);
        } catch (RuntimeException unreadable) {
            System.err.println("lab agent: cannot read " + TARGET + " (" + unreadable + "); left unchanged");
            return null;
        }
        if (offsets.length != 1) {
            System.err.println("lab agent: " + TARGET + " holds the constant " + ORIGINAL + " "
                    + offsets.length + " times, not once; left unchanged");
            return null;
        }
        byte[] patched = classFile.clone();
        ByteBuffer.wrap(patched).putInt(offsets[0], threshold);
        System.err.println("lab agent: FileDescriptorCheck threshold " + ORIGINAL + " -> " + threshold);
        return patched;
    }

    /** Offsets of the values of the CONSTANT_Integer entries equal to {@code wanted}. */
    static int[] integerConstants(byte[] classFile, int wanted) {
        ByteBuffer in = ByteBuffer.wrap(classFile);
        in.position(8); // magic, minor and major version
        int count = in.getShort() & 0xFFFF;
        int[] found = new int[count];
        int matches = 0;
        for (int index = 1; index < count; index++) {
            int tag = in.get() & 0xFF;
            switch (tag) {
                case 1 -> { // Utf8
                    int length = in.getShort() & 0xFFFF;
                    in.position(in.position() + length);
                }
                case 3 -> { // Integer
                    if (in.getInt(in.position()) == wanted) {
                        found[matches++] = in.position();
                    }
                    in.position(in.position() + 4);
                }
                case 4, 9, 10, 11, 12, 17, 18 -> in.position(in.position() + 4);
                case 5, 6 -> { // Long and Double take two entries
                    in.position(in.position() + 8);
                    index++;
                }
                case 7, 8, 16, 19, 20 -> in.position(in.position() + 2);
                case 15 -> in.position(in.position() + 3);
                default -> throw new IllegalStateException("unknown constant pool tag " + tag);
            }
        }
        return java.util.Arrays.copyOf(found, matches);
    }
}
