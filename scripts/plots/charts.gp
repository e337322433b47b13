# scripts/plots/charts.gp — the charts of docs/benchmarks.md, drawn by scripts/bench.sh from
# the data files the benchmarks write (gnuplot from Debian's gnuplot-nox):
#   gnuplot -e "dat='DIR'; out='docs'" scripts/plots/charts.gp
set terminal pngcairo size 900,520 font ",11" noenhanced
set grid ytics
set key top left

# 1. Compile time against the number of argument rules (log-log).
set output out."/chart-compile-scaling.png"
set title "Compile time (policy -> BPF) against K argument rules on one syscall, x86_64"
set xlabel "K rules"
set ylabel "median thread CPU time (us)"
set logscale xy
plot dat."/synthetic-scaling.dat" using 1:2 with linespoints lw 2 title "sysfence, ioctl (value set)", \
     ''                            using 1:3 with linespoints lw 2 title "sysfence, fcntl (masked, 2 args)", \
     ''                            using 1:4 with linespoints lw 2 title "sysfence, getpriority (ranges)", \
     ''                            using 1:5 with linespoints lw 2 dt 2 title "libseccomp export, ioctl", \
     ''                            using 1:6 with linespoints lw 2 dt 2 title "libseccomp export, fcntl"
unset logscale

# 2. Executed instructions on the rules' syscall (max and mean over the probes).
set output out."/chart-executed.png"
set title "Executed instructions on the rules' syscall (emulator; max and mean over the probes)"
set xlabel ""
set ylabel "instructions"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set key top right
plot dat."/synthetic-executed.dat" using 2:xtic(1) title "sysfence max", \
     '' using 3 title "sysfence mean", \
     '' using 4 title "libseccomp tree max", \
     '' using 5 title "libseccomp tree mean"
unset logscale

# 3. Start-up of whole processes.
set output out."/chart-startup.png"
set title "Start-up, whole processes (median of interleaved rounds)"
set ylabel "ms"
set key top left
set xtics rotate by -15
plot dat."/startup.dat" using 2:xtic(1) title "wall-clock ms", '' using 3 title "CPU ms (user + system)"

# 4. Dispatch weighting: mean over every allowed syscall against mean over the uncached paths,
#    one point per cached-allow weight (solid), and the exact minimum of (a) when every uncached
#    path may pay 0, 1, 2, ... dispatch instructions more than under the default (dashed, the
#    first point is the default itself) (sysfence_bench_compare --tradeoff).
set output out."/chart-tradeoff.png"
set title "Dispatch tree: (a) mean over allowed syscalls vs (b) mean over uncached paths, x86_64"
set xlabel "(a) executed instructions, mean over every allowed syscall"
set ylabel "(b) mean over the paths the kernel cannot cache"
set xtics norotate
set key top right
set style data linespoints
files = "docker-host-caps docker-container-caps podman-container-caps"
have_file(p) = system("test -f ".p." && echo 1 || echo 0") eq "1"
plot for [i=1:words(files)] (have_file(dat."/tradeoff-".word(files,i).".dat") ? dat."/tradeoff-".word(files,i).".dat" : "/dev/null") \
     using 2:3 with linespoints lw 2 lc i title word(files,i)." (cached weight)", \
     for [i=1:words(files)] (have_file(dat."/tradeoff-exact-".word(files,i).".dat") ? dat."/tradeoff-exact-".word(files,i).".dat" : "/dev/null") \
     using 2:3 with linespoints lw 1 dt 2 pt 6 lc i title word(files,i)." (exact, +slack per uncached path)"
