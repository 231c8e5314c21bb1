from cta.entrypoints.cli import main

main()
