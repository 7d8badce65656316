package org.parley.edge;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

/**
 * The edge's packages form no cycle: {@code org.parley.edge} itself (the process: EdgeApp, the verticle, the router's
 * assembly) depends on the others and none of them on it; {@code http} (errors, bearer check, route modules),
 * {@code protocol}, {@code config}, {@code readmodel} and {@code log} are below the concerns that use them.
 */
class EdgePackagesTest {
    private static final String ROOT = "org.parley.edge";

    /** Every package of the edge is a slice of its own (the root package too, which "org.parley.edge.(*)" misses). */
    private static final SliceAssignment PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            String pkg = c.getPackageName();
            return pkg.equals(ROOT) || pkg.startsWith(ROOT + ".") ? SliceIdentifier.of(pkg) : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "the packages of " + ROOT;
        }
    };

    @Test
    void theEdgesPackagesAreFreeOfCycles() {
        JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
        slices().assignedFrom(PACKAGES).should().beFreeOfCycles().check(main);
    }
}
