// Lab smoke job on the JVM: estimates pi with a Monte Carlo sample, like Spark's SparkPi.
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

public final class SparkPi {
  public static void main(String[] args) {
    SparkSession spark = SparkSession.builder().appName("bdp-smoke-sparkpi").getOrCreate();
    JavaSparkContext context = new JavaSparkContext(spark.sparkContext());
    int slices = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    int samples = 100000 * slices;
    List<Integer> seeds = new ArrayList<>(samples);
    for (int i = 0; i < samples; i++) {
      seeds.add(i);
    }
    long inside = context.parallelize(seeds, slices).filter(i -> {
      double x = Math.random() * 2 - 1;
      double y = Math.random() * 2 - 1;
      return x * x + y * y <= 1;
    }).count();
    System.out.println("Pi is roughly " + 4.0 * inside / samples);
    spark.stop();
  }
}
