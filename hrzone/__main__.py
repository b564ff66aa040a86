from hrzone.cli import main

main()
