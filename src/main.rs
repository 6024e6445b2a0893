fn main() -> std::process::ExitCode {
    srmc::cli::main()
}
