terraform {
  # >= 1.10 for the S3 backend's native lockfile, >= 1.11 for the write-only password arguments.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }

  # Partial configuration: the bucket (created by terraform/bootstrap) is given at init time,
  #   terraform init -backend-config="bucket=<state bucket>"
  # The lock is a .tflock object next to the state, so there is no DynamoDB lock table to get wrong.
  backend "s3" {
    key          = "bluegreen/staging/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = local.region

  default_tags {
    tags = local.tags
  }
}
